"""Running calls at the same moment, each in its own thread and database connection: the
PostgreSQL row-lock tests use this to show that services refuse, never overdraw or deadlock."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from django.db import connection

from core.errors import DomainError


def all_at_once(calls: Sequence[Callable[[], object]]) -> tuple[list, list[BaseException]]:
    """Run the callables in threads released together. Returns what each returned (or the
    DomainError it raised: a refusal is an outcome), and anything else raised (a deadlock, a
    broken test), which the caller asserts is empty."""
    barrier = threading.Barrier(len(calls))
    results: list = []
    unexpected: list[BaseException] = []
    lock = threading.Lock()

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            result = call()
        except DomainError as exc:
            result = exc
        except BaseException as exc:  # anything else is a failure of the test
            with lock:
                unexpected.append(exc)
            return
        finally:
            connection.close()  # each thread has its own connection; do not leak it
        with lock:
            results.append(result)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, unexpected


def sent_and_refused(results: list, refusal: type[DomainError]) -> tuple[int, int]:
    """How many calls went through and how many were refused with `refusal`."""
    refused = sum(isinstance(result, refusal) for result in results)
    others = [r for r in results if isinstance(r, DomainError) and not isinstance(r, refusal)]
    assert not others, f"unexpected refusals: {others}"
    return len(results) - refused, refused
