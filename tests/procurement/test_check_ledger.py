"""`manage.py check_ledger` and the nightly ledger check task."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.db.models import F

from procurement import services
from procurement.models import StockBalance, StockMovement
from procurement.tasks import ledger_check_task
from tests import factories

pytestmark = pytest.mark.django_db


def _lot_with_history(officer, hospital):
    lot = factories.released_lot(quantity=300, actor=officer)
    services.distribution_dispatch(lot=lot, hospital=hospital, quantity=120, actor=officer)
    services.stock_consume(lot=lot, hospital=hospital, quantity=20, actor=officer)
    return lot


def test_check_ledger_is_clean_after_normal_work(officer, hospital, capsys):
    _lot_with_history(officer, hospital)

    call_command("check_ledger")

    assert "Ledger clean: 1 lots checked, 0 violations." in capsys.readouterr().out


def test_check_ledger_catches_a_corrupted_balance_and_exits_1(officer, hospital, capsys):
    lot = _lot_with_history(officer, hospital)
    StockBalance.objects.filter(lot=lot, location__hospital=hospital).update(
        quantity=F("quantity") + 5
    )

    with pytest.raises(CommandError) as failure:
        call_command("check_ledger")

    assert failure.value.returncode == 1
    out = capsys.readouterr().out
    assert f"{lot.lot_number}: balance at {hospital.name} is 105 but movements give 100" in out
    assert "received 300 != held 285 + returned to supplier 0 + destroyed 0 + consumed 20" in out
    assert "1 of 1 lots violate the ledger." in out


def test_check_ledger_catches_a_movement_without_its_balance(officer, hospital, capsys):
    lot = _lot_with_history(officer, hospital)
    StockMovement.objects.filter(lot=lot, kind="consumption").update(quantity=25)

    with pytest.raises(CommandError):
        call_command("check_ledger")

    assert "movements give 95" in capsys.readouterr().out


def test_the_database_refuses_a_negative_balance(officer, hospital):
    lot = _lot_with_history(officer, hospital)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockBalance.objects.filter(lot=lot, location__hospital=hospital).update(quantity=-1)


def test_ledger_check_task_alerts_the_ministry_only_on_violations(officer, hospital, settings):
    settings.MINISTRY_ALERT_EMAILS = ["quality@ministry.example"]
    lot = _lot_with_history(officer, hospital)

    assert ledger_check_task.delay().get() == 0
    assert mail.outbox == []

    StockBalance.objects.filter(lot=lot, location__hospital=hospital).update(quantity=0)
    assert ledger_check_task.delay().get() == 1
    assert mail.outbox[0].to == ["quality@ministry.example"]
    assert lot.lot_number in mail.outbox[0].body
