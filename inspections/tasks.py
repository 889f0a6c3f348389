"""Celery tasks of the quality side: thin, take ids or nothing, call one service."""

from celery import shared_task

from .services import notices


@shared_task(ignore_result=True)
def notice_deliver_task(delivery_id: int) -> str | None:
    """Deliver one channel of a recall notice (the outbox row decides whether it is due)."""
    return notices.notice_deliver(delivery_id=delivery_id)


@shared_task(ignore_result=True)
def notices_queue_task(recall_id: int) -> int:
    """Right after a recall is issued: queue a delivery task per notice channel."""
    return notices.notices_queue(recall_id=recall_id)


@shared_task(ignore_result=True)
def notices_sweep_task() -> int:
    """Every few minutes: re-queue notice deliveries that were never picked up."""
    return notices.notices_sweep()


@shared_task(ignore_result=True)
def notices_remind_task() -> int:
    """Every few minutes: remind hospitals that have not answered a recall notice in time."""
    return notices.notices_remind()
