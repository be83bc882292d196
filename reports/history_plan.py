"""What a month of a crisis line looks like: the calls, their answers and the times of each response.

Pure (no Flask, no database): `plan_calls` draws the calls of a period from a seeded random
generator, and `plan_response` the milestones of one team's response. `reports.history` turns the
plans into the rows the product itself writes. The shapes are those of a mid-size 988 line with
mobile crisis teams (SAMHSA 2020 guidelines; published CAHOOTS and STAR figures):

* about 28 calls a day, more in the evening and at night, fewer on weekend mornings;
* most resolved by phone, about 30 % need a team (a tenth of those with police), a few go to 911;
* answer to dispatch: the call (4-15 min) and the wait in the queue (1-6 min emergent, longer and
  sometimes much longer urgent); acknowledgement 1-3 min (some late); turnout a few minutes;
  travel 10-40 min in town, 25-75 min in a rural area; 30 min to 2.5 h on scene;
* a few incidents withdrawn before a team was free, some teams stood down on the way, some
  transports to a crisis facility or the emergency department, police on scene at about one in
  eight responses (most of them co-responses);
* follow-ups mostly reached within their window, some late, some declined, a few lost.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

CALLS_PER_DAY = 28
# The share of a day's calls in each local hour (crisis lines peak in the evening and at night).
HOUR_WEIGHTS = (5, 4, 3, 2, 2, 2, 2, 3, 4, 4, 4, 5, 5, 5, 5, 5, 6, 6, 7, 7, 7, 7, 6, 6)

# Scenario: (weight, disposition, answers given on top of the all-"no" screening).
SCENARIOS: tuple[tuple[int, str, dict[str, str]], ...] = (
    (22, "none", {}),
    (26, "low", {"cssrs_1": "yes"}),
    (12, "low", {"cssrs_1": "yes", "cssrs_2": "yes", "cssrs_3": "no", "cssrs_4": "no", "cssrs_5": "no"}),
    (13, "moderate", {"cssrs_1": "yes", "cssrs_2": "yes", "cssrs_3": "yes", "cssrs_4": "no", "cssrs_5": "no"}),
    (8, "welfare", {"needs_in_person": "yes"}),
    (9, "high", {"cssrs_1": "yes", "cssrs_2": "yes", "cssrs_3": "yes", "cssrs_4": "yes", "cssrs_5": "no"}),
    (2, "weapon", {"cssrs_1": "yes", "weapon_present": "yes", "weapon_intent": "no"}),
    (2, "violence_history", {"violence_history": "yes", "needs_in_person": "yes"}),
    (3, "medical", {"medical_emergency": "yes"}),
    (1, "violence_now", {"violence_now": "yes"}),
)
SAFETY_NO = {
    "cssrs_1": "no",
    "cssrs_2": "no",
    "cssrs_6": "no",
    "medical_emergency": "no",
    "attempt_in_progress": "no",
    "weapon_present": "no",
    "violence_now": "no",
    "violence_history": "no",
    "needs_in_person": "no",
    "youth": "no",
}
NARRATIVES = {
    "none": "Caller wanted to talk after a hard day; no thoughts of suicide. Coping plan reviewed.",
    "low": "Passive thoughts of death, no plan. Safety plan made by phone; agreed to a call back.",
    "moderate": "Thoughts of suicide with a method in mind, no intent stated. Needs to be seen today.",
    "welfare": "Family member worried: person not answering the door, has been isolating for days.",
    "high": "Thoughts of suicide with intent and a plan. Caller kept on the line until the team arrived.",
    "weapon": "Person has a firearm in the home, denies intent. Team with police.",
    "violence_history": "Recent threats toward a roommate, calm now. Asked for someone to come out.",
    "medical": "Took a large number of pills an hour ago, drowsy. Warm transfer to 911/EMS.",
    "violence_now": "Caller reports a person breaking things and threatening others now. Transferred to 911.",
}
FIRST_NAMES = ("Alex", "Sam", "Jordan", "Taylor", "Casey", "Riley", "Morgan", "Jamie", "Avery", "Quinn", "Rowan")
RELATIONS = ("self", "self", "self", "self", "parent", "partner", "friend", "neighbor", "roommate")
# Caller numbers from the fictional 555-01xx range, none of them a demo unit's phone.
CALLER_NUMBERS = tuple(f"+1802555{n:04d}" for n in range(110, 200))

# Outcomes after a team arrived: (weight, outcome, police present share, facility kind or None).
OUTCOMES_ON_SCENE: tuple[tuple[int, str, float, str | None], ...] = (
    (46, "stabilized_on_scene", 0.03, None),
    (16, "referred_outpatient", 0.02, None),
    (8, "declined_services", 0.04, None),
    (11, "transported_crisis_facility", 0.05, "crisis_receiving"),
    (6, "transported_hospital_voluntary", 0.08, "hospital_ed"),
    (3, "involuntary_hold", 0.55, "hospital_ed"),
    (2, "handed_to_ems", 0.1, None),
    (2, "handed_to_police", 1.0, None),
    (4, "unable_to_locate", 0.05, None),
)
TRANSPORT_OUTCOMES = frozenset({"transported_crisis_facility", "transported_hospital_voluntary", "involuntary_hold"})


@dataclass(frozen=True, slots=True)
class CallPlan:
    received_at: datetime
    saved_at: datetime
    scenario: str
    answers: dict[str, str]
    narrative: str
    phone: str | None
    name: str | None
    relation: str
    has_location: bool
    routine: bool = False  # an operator's planned visit (an override with its reason)


@dataclass(frozen=True, slots=True)
class ResponsePlan:
    """The milestones of one incident, as offsets from when it opened (the call's save)."""

    wait: timedelta  # opened -> dispatched (or -> cancelled, when `cancelled`)
    cancelled: bool = False
    acknowledge: timedelta | None = None  # dispatched -> acknowledged (None: the team skipped it)
    turnout: timedelta = timedelta(0)  # dispatched -> en route
    travel: timedelta | None = None  # en route -> on scene (None: stood down on the way)
    on_scene: timedelta = timedelta(0)  # on scene -> transport start or clear
    to_facility: timedelta | None = None  # transport start -> at facility
    at_facility: timedelta = timedelta(0)  # at facility -> clear
    close_after: timedelta = timedelta(minutes=20)  # clear -> closed
    outcome: str | None = None
    police_present: bool | None = None
    facility_kind: str | None = None
    outcome_late: timedelta | None = None  # cleared without it, recorded this long after
    extras: dict[str, str] = field(default_factory=dict)


def _minutes(rng: random.Random, low: float, high: float, mode: float) -> timedelta:
    return timedelta(seconds=round(rng.triangular(low, high, mode) * 60))


def call_times(*, rng: random.Random, start: datetime, end: datetime, tz: tzinfo) -> list[datetime]:
    """When the calls of [start, end) came in, oldest first: CALLS_PER_DAY a day on average."""
    times: list[datetime] = []
    hour = start.replace(minute=0, second=0, microsecond=0)
    total_weight = sum(HOUR_WEIGHTS)
    while hour < end:
        local = hour.astimezone(tz)
        per_hour = CALLS_PER_DAY * HOUR_WEIGHTS[local.hour] / total_weight
        if local.weekday() >= 5 and 6 <= local.hour < 12:
            per_hour *= 0.7
        per_second = per_hour / 3600
        offset = rng.expovariate(per_second)  # Poisson arrivals: exponential gaps, in seconds
        while offset < 3600:
            at = hour + timedelta(seconds=round(offset))
            if start <= at < end:
                times.append(at)
            offset += rng.expovariate(per_second)
        hour += timedelta(hours=1)
    return times


def plan_call(*, rng: random.Random, received_at: datetime) -> CallPlan:
    weights = [weight for weight, _, _ in SCENARIOS]
    _, scenario, given = rng.choices(SCENARIOS, weights=weights)[0]
    answers = {**SAFETY_NO, **given}
    if scenario in ("moderate", "high", "welfare", "weapon") and rng.random() < 0.1:
        answers["youth"] = "yes"
    if rng.random() < 0.06:
        answers["language"] = rng.choice(("es", "es", "fr", "ne", "so"))
    mobile = scenario in ("moderate", "high", "welfare", "weapon", "violence_history")
    call_length = _minutes(rng, 4, 15, 8) if mobile else _minutes(rng, 3, 40, 12)
    if scenario in ("medical", "violence_now"):
        call_length = _minutes(rng, 2, 6, 3)
    phone = rng.choice(CALLER_NUMBERS) if rng.random() < 0.9 else None
    return CallPlan(
        received_at=received_at,
        saved_at=received_at + call_length,
        scenario=scenario,
        answers=answers,
        narrative=NARRATIVES["low" if scenario == "low" else scenario],
        phone=phone,
        name=rng.choice(FIRST_NAMES) if rng.random() < 0.6 else None,
        relation=rng.choice(RELATIONS) if scenario != "welfare" else "family",
        has_location=mobile or scenario in ("medical", "violence_now") or rng.random() < 0.3,
        routine=scenario == "welfare" and rng.random() < 0.15,
    )


def plan_response(*, rng: random.Random, priority: str | None, co_response: bool, rural: bool) -> ResponsePlan:
    """The times and the end of one response (the unit's availability may add to `wait` later)."""
    roll = rng.random()
    if priority == "emergent":  # sometimes the nearest free team is far, or finishing a visit
        wait = _minutes(rng, 0.5, 6, 1.5) if roll < 0.88 else _minutes(rng, 10, 45, 20)
    elif priority == "routine":
        wait = _minutes(rng, 6 * 60, 26 * 60, 16 * 60)  # a planned visit, usually the next day
    elif roll < 0.88:
        wait = _minutes(rng, 1, 30, 5)
    else:  # a busy evening: urgent calls wait behind emergent ones
        wait = _minutes(rng, 45, 160, 80) if roll < 0.96 else _minutes(rng, 180, 330, 240)
    if priority != "emergent" and rng.random() < 0.03:
        return ResponsePlan(wait=_minutes(rng, 5, 25, 12), cancelled=True, close_after=timedelta(0))
    acknowledge: timedelta | None = _minutes(rng, 0.3, 3, 1.2) if rng.random() < 0.9 else _minutes(rng, 3, 8, 4)
    if rng.random() < 0.05:
        acknowledge = None  # the team's first reply was ENR
    turnout = (acknowledge or timedelta(0)) + _minutes(rng, 0.5, 8, 2.5)
    close_after = _minutes(rng, 5, 90, 25)
    if rng.random() < 0.04:  # stood down on the way: the person went to the ED, or no longer needed us
        outcome = "cancelled_before_arrival" if rng.random() < 0.7 else "handed_to_ems"
        return ResponsePlan(
            wait=wait,
            acknowledge=acknowledge,
            turnout=turnout,
            travel=None,
            on_scene=_minutes(rng, 3, 20, 8),
            outcome=outcome,
            police_present=False,
            close_after=close_after,
        )
    travel = _minutes(rng, 25, 75, 40) if rural else _minutes(rng, 8, 40, 15)
    weights = [weight for weight, _, _, _ in OUTCOMES_ON_SCENE]
    _, outcome, police_share, facility_kind = rng.choices(OUTCOMES_ON_SCENE, weights=weights)[0]
    if co_response:
        police_share = max(police_share, 0.7)
    plan = ResponsePlan(
        wait=wait,
        acknowledge=acknowledge,
        turnout=turnout,
        travel=travel,
        on_scene=_minutes(rng, 25, 150, 55) if outcome != "unable_to_locate" else _minutes(rng, 10, 40, 20),
        to_facility=_minutes(rng, 8, 25, 14) if outcome in TRANSPORT_OUTCOMES else None,
        at_facility=_minutes(rng, 15, 60, 30),
        close_after=close_after,
        outcome=outcome,
        police_present=rng.random() < police_share,
        facility_kind=facility_kind,
        outcome_late=_minutes(rng, 20, 90, 40) if rng.random() < 0.05 else None,
    )
    return plan


@dataclass(frozen=True, slots=True)
class FollowupPlan:
    """Attempts to reach the person: (offset from the clock's start, outcome), in order."""

    attempts: tuple[tuple[timedelta, str], ...]


def plan_followup(*, rng: random.Random, window: timedelta) -> FollowupPlan:
    """Most people are reached inside the window, some after it, some decline, a few are lost."""
    hours = window.total_seconds() / 3600
    roll = rng.random()
    first = timedelta(hours=rng.triangular(1, hours * 0.7, hours * 0.25))
    if roll < 0.62:
        return FollowupPlan(((first, "reached"),))
    if roll < 0.78:  # not at the first try
        second = first + timedelta(hours=rng.triangular(2, hours * 0.4, 4))
        return FollowupPlan(((first, "no_answer"), (second, "reached")))
    if roll < 0.86:  # reached, but after the window
        late = window + timedelta(hours=rng.triangular(1, 30, 6))
        return FollowupPlan(((first, "no_answer"), (late, "reached")))
    if roll < 0.92:
        return FollowupPlan(((first, "declined"),))
    tries = rng.randint(3, 4)
    attempts = [(first + timedelta(hours=8 * n), "no_answer") for n in range(tries)]
    attempts.append((first + timedelta(hours=8 * tries), "lost"))
    return FollowupPlan(tuple(attempts))
