"""The switching rules of MIL-STD-105E section 4.7 as one pure function.

Kept per supplier and product category. Only original inspections count (a resubmitted lot's
second inspection does not). The tracker proposes reduced inspection; an officer confirms it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

NORMAL, TIGHTENED, REDUCED, DISCONTINUED = "normal", "tightened", "reduced", "discontinued"

WINDOW = 5  # normal -> tightened: 2 of 5 or fewer consecutive lots not accepted
REJECTIONS_TO_TIGHTEN = 2
ACCEPTED_TO_RELAX = 5  # tightened -> normal: 5 consecutive lots accepted
REJECTIONS_TO_DISCONTINUE = 5  # cumulative lots not accepted while on tightened
ACCEPTED_TO_PROPOSE_REDUCED = 10  # the preceding 10 lots on normal all accepted

# The severity of sampling plans under each state. A discontinued supplier's lots already in
# the warehouse are still inspected, on tightened (where it would restart when reinstated).
SEVERITY_OF_STATE = {
    NORMAL: "normal",
    TIGHTENED: "tightened",
    REDUCED: "reduced",
    DISCONTINUED: "tightened",
}


@dataclass(frozen=True)
class LevelCounters:
    state: str = NORMAL
    recent: str = ""  # last original results on the current level, newest last: A or R
    consecutive_accepted: int = 0
    rejected_while_tightened: int = 0
    reduced_proposed: bool = False


def fresh(state: str) -> LevelCounters:
    """Counters as they stand on entering a state."""
    return LevelCounters(state=state)


def level_after(
    counters: LevelCounters, *, accepted: bool, in_gap: bool = False
) -> tuple[LevelCounters, str]:
    """The counters after one more original inspection, and why the state changed ("" if not)."""
    mark = "A" if accepted else "R"
    c = replace(counters, recent=(counters.recent + mark)[-WINDOW:])
    if c.state == NORMAL:
        return _on_normal(c, accepted)
    if c.state == TIGHTENED:
        return _on_tightened(c, accepted)
    if c.state == REDUCED:
        return _on_reduced(c, accepted, in_gap)
    return counters, ""  # discontinued: only an officer's reinstatement changes it


def _on_normal(c: LevelCounters, accepted: bool) -> tuple[LevelCounters, str]:
    if not accepted and c.recent.count("R") >= REJECTIONS_TO_TIGHTEN:
        return fresh(TIGHTENED), (
            f"{c.recent.count('R')} of the last {len(c.recent)} lots not accepted on original "
            "inspection: tightened inspection."
        )
    if not accepted:
        return replace(c, consecutive_accepted=0, reduced_proposed=False), ""
    streak = c.consecutive_accepted + 1
    proposed = streak >= ACCEPTED_TO_PROPOSE_REDUCED
    return replace(c, consecutive_accepted=streak, reduced_proposed=proposed), ""


def _on_tightened(c: LevelCounters, accepted: bool) -> tuple[LevelCounters, str]:
    if accepted:
        streak = c.consecutive_accepted + 1
        if streak >= ACCEPTED_TO_RELAX:
            return fresh(NORMAL), (
                f"{streak} consecutive lots accepted on tightened inspection: back to normal."
            )
        return replace(c, consecutive_accepted=streak), ""
    rejected = c.rejected_while_tightened + 1
    if rejected >= REJECTIONS_TO_DISCONTINUE:
        return fresh(DISCONTINUED), (
            f"{rejected} lots not accepted while on tightened inspection: inspection "
            "discontinued until the supplier has taken corrective action."
        )
    return replace(c, consecutive_accepted=0, rejected_while_tightened=rejected), ""


def _on_reduced(c: LevelCounters, accepted: bool, in_gap: bool) -> tuple[LevelCounters, str]:
    if not accepted:
        return fresh(NORMAL), "A lot not accepted on reduced inspection: back to normal."
    if in_gap:
        return fresh(NORMAL), (
            "A lot accepted in the gap between the accept and reject numbers on reduced "
            "inspection: back to normal."
        )
    return replace(c, consecutive_accepted=c.consecutive_accepted + 1), ""
