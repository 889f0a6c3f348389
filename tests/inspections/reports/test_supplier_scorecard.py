"""`supplier_scorecard`: how a supplier's lots fared (received, accepted, rejected, the rejection
rate), the inspection level it is on and how it got there, its recalls and open credit claims."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from inspections import services
from inspections.models import RecallClass
from inspections.selectors.reports import supplier_scorecard
from procurement import services as procurement
from procurement.models import CreditClaimStatus
from tests import factories

pytestmark = pytest.mark.django_db


def test_lots_are_counted_by_how_they_fared_and_the_rate_is_of_the_decided_ones(story):
    card = supplier_scorecard(story.supplier)

    assert (card.lots_received, card.units_received) == (3, 3_000)
    assert (card.lots_accepted, card.lots_rejected, card.lots_pending) == (1, 1, 1)
    assert card.lots_recalled == 0
    assert card.rejection_rate == Decimal("50.0")
    assert (card.first_inspections_accepted, card.first_inspections_rejected) == (1, 2)
    assert card.complaints == 1
    fates = {lot.lot_number: lot.fate for lot in card.lots}
    assert fates == {
        story.accepted.lot_number: "accepted",
        story.rejected.lot_number: "rejected",
        story.pending.lot_number: "pending",
    }


def test_two_failed_first_inspections_put_the_supplier_on_tightened_with_its_history(story):
    card = supplier_scorecard(story.supplier)

    (respirators,) = card.levels
    assert (respirators.category_label, respirators.state_label) == ("Respirator", "Tightened")
    (change,) = respirators.history
    assert (change.from_label, change.to_label) == ("Normal", "Tightened")
    assert change.actor == "inspector"
    assert change.lot_number == story.pending.lot_number
    assert change.reason.startswith("2 of the last")


def test_open_credit_claims_are_listed_with_their_total_until_paid(story, officer):
    card = supplier_scorecard(story.supplier)

    assert [c.authorisation_reference for c in card.open_claims] == ["RA-BRIGHTMED-1"]
    assert card.open_claim_totals() == {"EUR": Decimal("1200.00")}  # 1,000 x 1.20

    procurement.credit_claim_set_status(
        supplier_return=story.claim,
        status=CreditClaimStatus.ACCEPTED,
        actor=officer,
        reason="Supplier agreed.",
    )
    assert len(supplier_scorecard(story.supplier).open_claims) == 1
    procurement.credit_claim_set_status(
        supplier_return=story.claim, status=CreditClaimStatus.PAID, actor=officer, reason="Paid."
    )
    assert supplier_scorecard(story.supplier).open_claims == ()


def test_a_recall_of_an_accepted_lot_counts_it_as_rejected_and_recalled(story, officer):
    recall = services.recall_create(
        reference="RC-2020-007",
        lots=[story.accepted],
        reason="Masks do not close.",
        hazard="Staff are not protected.",
        recall_class=RecallClass.II,
        response_deadline=timezone.localdate() + dt.timedelta(days=7),
        coordinator=officer,
        actor=officer,
    )
    services.recall_issue(recall=recall, actor=officer)

    card = supplier_scorecard(story.supplier)

    assert (card.lots_accepted, card.lots_rejected, card.lots_recalled) == (0, 2, 1)
    assert card.rejection_rate == Decimal("100.0")
    (listed,) = card.recalls
    assert (listed.reference, listed.lot_numbers) == ("RC-2020-007", [story.accepted.lot_number])


def test_a_supplier_without_lots_has_no_rate_no_level_and_nothing_open():
    card = supplier_scorecard(factories.SupplierFactory())

    assert card.lots_received == 0
    assert card.rejection_rate is None
    assert card.levels == () and card.recalls == () and card.open_claims == ()
