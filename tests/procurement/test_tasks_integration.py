"""A real Celery worker on real Redis runs the nightly ledger check against the real database.

Producer and worker are separate processes configured only through the environment, as in
production; the test database is PostgreSQL so that both can see the committed rows.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from procurement import services
from procurement.models import StockBalance
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _test_database_url() -> str:
    db = connection.settings_dict
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker_env(redis_url, tmp_path):
    return {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "MINISTRY_ALERT_EMAILS": "quality@ministry.example",
        "SECRET_KEY": "integration-test-key",
        "ALLOWED_HOSTS": "localhost",
    }


@pytest.fixture
def celery_worker_process(worker_env, tmp_path):
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
         "--loglevel=INFO", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=worker_env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    yield worker
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
    log.close()


def test_a_real_worker_runs_the_ledger_check_through_redis(
    postgres_only, celery_worker_process, worker_env, officer, hospital, tmp_path
):
    # given a lot whose hospital balance was corrupted behind the ledger's back
    lot = factories.released_lot(quantity=200, actor=officer)
    services.distribution_dispatch(lot=lot, hospital=hospital, quantity=50, actor=officer)
    StockBalance.objects.filter(lot=lot, location__hospital=hospital).update(quantity=49)

    # when the task is sent through Redis by another process
    sender = subprocess.run(
        [sys.executable, "-c",
         "import os, django;"
         "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings');"
         "django.setup();"
         "from procurement.tasks import ledger_check_task;"
         "print(ledger_check_task.delay().get(timeout=60))"],
        cwd=ROOT, env=worker_env, capture_output=True, text=True, timeout=90,
    )  # fmt: skip

    # then the worker found one violation and alerted the ministry by e-mail
    assert sender.returncode == 0, sender.stderr + (tmp_path / "worker.log").read_text()
    assert sender.stdout.strip() == "1"
    deadline = time.monotonic() + 10
    mails = []
    while not mails and time.monotonic() < deadline:
        mails = list((tmp_path / "mail").glob("*.log"))
        time.sleep(0.2)
    assert len(mails) == 1
    assert lot.lot_number in mails[0].read_text()
