"""An import job is written once, even when its Apply is pressed twice at the same moment or its
write is delivered to two workers at once, and neither waits for the other forever.

Needs PostgreSQL: SQLite serialises all writers, so it would prove nothing about row locks.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import IllegalTransition
from procurement.models import Distribution, ImportJob, ImportKind, ImportStatus
from procurement.selectors import ledger_violations
from procurement.services import imports
from procurement.services.imports import jobs
from procurement.services.ledger import balance_of, warehouse_location
from tests import factories
from tests.concurrency import all_at_once, sent_and_refused

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROWS = 40


@pytest.fixture
def previewed_plan(officer, clerk):
    """A plan of ROWS rows of one lot, checked and ready to apply (tasks run in-process)."""
    lot = factories.released_lot(quantity=1_000, actor=officer, lot_number="LOT-A")
    for index in range(ROWS):
        factories.HospitalFactory(code=f"H{index:03d}")
    text = "hospital_code,lot_number,quantity\n" + "".join(
        f"H{index:03d},LOT-A,5\n" for index in range(ROWS)
    )
    upload = SimpleUploadedFile("plan.csv", text.encode(), content_type="text/csv")
    job = imports.import_job_create(kind=ImportKind.DISTRIBUTION_PLAN, upload=upload, actor=clerk)
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.PREVIEW_READY
    return job, lot


def test_apply_pressed_twice_at_once_dispatches_the_plan_once(postgres_only, clerk, previewed_plan):
    job, lot = previewed_plan
    apply = lambda: imports.import_job_confirm(job=job, actor=clerk)  # noqa: E731
    results, unexpected = all_at_once([apply, apply])
    assert unexpected == []
    assert sent_and_refused(results, IllegalTransition) == (1, 1)
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.DONE
    assert Distribution.objects.count() == ROWS
    assert balance_of(lot, warehouse_location()) == 1_000 - 5 * ROWS
    assert ledger_violations() == []


def test_a_write_delivered_to_two_workers_at_once_is_done_once(
    postgres_only, clerk, previewed_plan, monkeypatch
):
    job, lot = previewed_plan
    monkeypatch.setattr(jobs, "_queue", lambda task_name, job_id: None)  # the workers below
    imports.import_job_confirm(job=job, actor=clerk)
    write = lambda: imports.import_job_apply(job_id=job.pk)  # noqa: E731
    results, unexpected = all_at_once([write, write, write])
    assert unexpected == []
    assert {result.status for result in results} == {ImportStatus.DONE}
    assert Distribution.objects.count() == ROWS
    assert ImportJob.objects.get(pk=job.pk).events.filter(to_status=ImportStatus.DONE).count() == 1
    assert balance_of(lot, warehouse_location()) == 1_000 - 5 * ROWS
