"""The switching rules of MIL-STD-105E 4.7, driven lot by lot."""

import pytest

from inspections.switching import (
    DISCONTINUED,
    NORMAL,
    REDUCED,
    TIGHTENED,
    LevelCounters,
    fresh,
    level_after,
)


def _run(results: str, start: LevelCounters | None = None) -> tuple[LevelCounters, list[str]]:
    counters, reasons = start or fresh(NORMAL), []
    for mark in results:
        counters, reason = level_after(counters, accepted=mark == "A", in_gap=mark == "g")
        if reason:
            reasons.append(reason)
    return counters, reasons


@pytest.mark.parametrize(
    ("results", "state"),
    [
        ("R", NORMAL),
        ("RR", TIGHTENED),
        ("RAAAR", TIGHTENED),  # 2 of 5
        ("RAAAAR", NORMAL),  # the first rejection left the window of 5
        ("AAAAAAAAR", NORMAL),
    ],
)
def test_normal_tightens_when_two_of_five_or_fewer_lots_fail(results, state):
    assert _run(results)[0].state == state


def test_tightened_relaxes_after_five_consecutive_accepted_lots():
    counters, reasons = _run("RR" + "AAAA")
    assert counters.state == TIGHTENED
    counters, reasons = _run("A", counters)
    assert counters.state == NORMAL
    assert "5 consecutive lots accepted" in reasons[0]


def test_a_rejection_on_tightened_restarts_the_count_of_accepted_lots():
    counters, _ = _run("RR" + "AAAARAAAA")
    assert (counters.state, counters.consecutive_accepted) == (TIGHTENED, 4)


def test_five_rejections_while_tightened_discontinue_inspection():
    counters, reasons = _run("RR" + "RARARARAR")
    assert counters.state == DISCONTINUED
    assert "5 lots not accepted while on tightened" in reasons[-1]


def test_discontinued_stays_discontinued_whatever_is_inspected():
    counters, _ = _run("AAAAAA", fresh(DISCONTINUED))
    assert counters.state == DISCONTINUED


def test_ten_accepted_lots_on_normal_propose_reduced_but_do_not_switch():
    counters, reasons = _run("A" * 10)
    assert (counters.state, counters.reduced_proposed, reasons) == (NORMAL, True, [])


def test_a_rejection_withdraws_the_reduced_proposal():
    counters, _ = _run("A" * 10 + "R")
    assert counters.reduced_proposed is False


@pytest.mark.parametrize("mark", ["R", "g"])
def test_reduced_returns_to_normal_on_a_rejection_or_an_acceptance_in_the_gap(mark):
    counters, reasons = _run("AA" + mark, fresh(REDUCED))
    assert counters.state == NORMAL
    assert reasons


def test_reduced_stays_reduced_while_lots_are_accepted_outside_the_gap():
    assert _run("AAAAAAAA", fresh(REDUCED))[0].state == REDUCED
