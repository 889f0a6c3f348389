"""The after-checks every fault test ends with (issue 8): after a fault and its recovery nothing is
half-written, every notice was delivered once per channel, every copy a receiver got of one notice
carried the same key, and the stock ledger adds up (`check_ledger`'s `ledger_violations()`).

The receivers' side is given as (notice reference, key) pairs: the e-mails' Message-IDs, the
webhooks' Idempotency-Keys, one pair per copy received (a retry after a lost answer is a second
copy, with the same key)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings

from core.models import WebhookDelivery, WebhookDeliveryStatus
from inspections.models import Channel, DeliveryStatus, NoticeDelivery, Recall, RecallStatus
from procurement.models import Distribution, LotEvent, MovementKind, StockMovement
from procurement.selectors import ledger_violations

Copies = Iterable[tuple[str, str]]


def assert_nothing_half_written() -> None:
    """Whatever a fault interrupted was written whole or not at all: the ledger adds up (every
    movement with its balances, no balance negative), every dispatch movement has its
    distribution and its DISPATCHED lot event, every issued recall has a notice with its
    deliveries for each hospital, and no delivery (notice or webhook event) is left claimed by a
    worker."""
    assert ledger_violations() == []
    dispatches = StockMovement.objects.filter(kind=MovementKind.DISPATCH)
    assert not dispatches.filter(distribution__isnull=True).exists()
    assert Distribution.objects.count() == dispatches.count()
    assert LotEvent.objects.filter(kind=LotEvent.Kind.DISPATCHED).count() == dispatches.count()
    for recall in Recall.objects.filter(status=RecallStatus.ISSUED):
        for notice in recall.notices.select_related("hospital"):
            channels = sorted(notice.deliveries.values_list("channel", flat=True))
            expected = [Channel.EMAIL] + ([Channel.WEBHOOK] if notice.hospital.webhook_url else [])
            assert channels == sorted(expected), notice.reference
    assert not NoticeDelivery.objects.filter(status=DeliveryStatus.SENDING).exists()
    assert not WebhookDelivery.objects.filter(status=WebhookDeliveryStatus.SENDING).exists()


def assert_delivered_once_per_key(
    recall: Recall,
    *,
    emails: Copies,
    webhooks: Copies = (),
    message_id_domain: str | None = None,
) -> None:
    """Every delivery of the recall is delivered, with exactly one successful attempt (the
    tracker sent it once as far as it knows); each notice reached the mail server and, where the
    hospital has one, its webhook receiver; and every copy received of a notice carried that
    notice's one Message-ID / Idempotency-Key, so a receiver drops the duplicates."""
    domain = message_id_domain or settings.EMAIL_MESSAGE_ID_DOMAIN
    deliveries = NoticeDelivery.objects.filter(notice__recall=recall).select_related(
        "notice__hospital"
    )
    for delivery in deliveries:
        assert delivery.status == DeliveryStatus.DELIVERED, (delivery.pk, delivery.status)
        outcomes = list(delivery.attempts.values_list("succeeded", flat=True))
        assert outcomes.count(True) == 1, (delivery.notice.reference, outcomes)
        assert outcomes[-1] is True
        assert delivery.attempt_count == len(outcomes)
    notices = list(recall.notices.select_related("hospital"))
    expected_emails = {n.reference: {f"<notice-{n.pk}@{domain}>"} for n in notices}
    expected_webhooks = {n.reference: {str(n.pk)} for n in notices if n.hospital.webhook_url}
    assert _keys_by_reference(emails) == expected_emails
    assert _keys_by_reference(webhooks) == expected_webhooks


def assert_clean_after_fault(
    recall: Recall | None = None,
    *,
    emails: Copies = (),
    webhooks: Copies = (),
    message_id_domain: str | None = None,
) -> None:
    """All the after-checks at once: nothing half-written and the ledger clean; with a recall,
    every notice delivered once per key."""
    assert_nothing_half_written()
    if recall is not None:
        assert_delivered_once_per_key(
            recall, emails=emails, webhooks=webhooks, message_id_domain=message_id_domain
        )


def _keys_by_reference(copies: Copies) -> dict[str, set[str]]:
    keys: dict[str, set[str]] = defaultdict(set)
    for reference, key in copies:
        keys[reference].add(key)
    return dict(keys)
