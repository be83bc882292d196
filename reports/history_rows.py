"""The rows of demo history (reports/history.py), as the product writes them when it takes a call,
runs a response and follows up: a call with the real engine's triage, an incident with its moves,
assignment and outcome, a follow-up with its attempts (and its timer while the window is open)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from config import TimerSettings
from core.actors import Actor
from dispatch.models import Assignment, Incident, IncidentMove, Unit
from dispatch.service import _category, next_incident_number
from dispatch.states import IncidentStatus
from facilities.models import Facility
from geo.areas import ServiceAreas
from geo.travel import haversine_m
from reports.history_plan import CallPlan, ResponsePlan, plan_followup, plan_response
from timers import service as timer_service
from timers.models import Followup, FollowupAttempt
from triage.engine import evaluate, normalized_answers
from triage.models import Call
from triage.questionnaire import Questionnaire
from triage.schemas import EvaluationRead
from triage.service import next_call_number, transfer_instruction

_I = IncidentStatus
INCIDENT_DISPOSITIONS = frozenset({"mobile_team", "co_response"})
ROUTINE_REASON = "Planned visit: the family asked for a visit when the person is home"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FOLLOWUP_CLOSING = {"reached": "done", "declined": "declined", "lost": "lost"}


@dataclass(frozen=True, slots=True)
class Place:
    address: str
    lat: float
    lon: float


class Units:
    """Which team is free when: the nearest free one that fits goes; when none is free, the call waits."""

    def __init__(self, units: Sequence[Unit]) -> None:
        self.units = list(units)
        self.busy_until = {unit.id: EPOCH for unit in self.units}
        self.last_dispatched: dict[int, datetime] = {}

    def choose(
        self, *, at: datetime, lat: float, lon: float, language: str | None, youth: bool
    ) -> tuple[Unit, datetime]:
        """The unit that goes and when it is dispatched (later than `at` when every team is busy)."""
        free = [unit for unit in self.units if self.busy_until[unit.id] <= at]
        if not free:
            unit = min(self.units, key=lambda u: self.busy_until[u.id])
            return unit, self.busy_until[unit.id] + timedelta(minutes=2)

        def rank(unit: Unit) -> tuple[int, float]:
            fits = (language is None or language in (unit.languages or [])) and (not youth or unit.youth)
            return (0 if fits else 1, haversine_m((unit.home_lat, unit.home_lon), (lat, lon)))

        return min(free, key=rank), at

    def commit(self, unit: Unit, *, dispatched: datetime, free_at: datetime) -> None:
        self.busy_until[unit.id] = free_at
        self.last_dispatched[unit.id] = dispatched


def _over_at(plan: CallPlan, response: ResponsePlan, team: tuple[Unit, datetime] | None) -> datetime:
    """When the response is over (closed, or cancelled)."""
    if team is None:
        return plan.saved_at + response.wait
    steps = response.turnout + response.on_scene + (response.travel or timedelta(0))
    if response.to_facility is not None:
        steps += response.to_facility + response.at_facility
    late = response.outcome_late or timedelta(0)
    return team[1] + steps + max(response.close_after, late + timedelta(minutes=2))


class HistoryWriter:
    """The rows of one call and its response, as the product writes them."""

    def __init__(
        self,
        *,
        session: Any,
        now: datetime,
        questionnaire: Questionnaire,
        timers: TimerSettings,
        areas: ServiceAreas,
        units: Units,
        facilities: dict[str, Facility],
        operator: Actor,
        dispatcher: Actor,
    ) -> None:
        self.session, self.now, self.questionnaire, self.timers, self.areas = session, now, questionnaire, timers, areas
        self.units, self.facilities, self.operator, self.dispatcher = units, facilities, operator, dispatcher
        self.calls = self.incidents = self.followups = self.followups_due = 0

    def add(self, *, rng: random.Random, plan: CallPlan, place: Any) -> None:
        result = evaluate(self.questionnaire, plan.answers)
        disposition, priority = result.disposition, result.priority
        override = ROUTINE_REASON if plan.routine and disposition == "mobile_team" else None
        if override:
            priority = "routine"
        response, team = None, None
        if disposition in INCIDENT_DISPOSITIONS:
            area = self.areas.area_of(place.lat, place.lon)
            response = plan_response(
                rng=rng, priority=priority, co_response=disposition == "co_response", rural=self.areas.is_rural(area)
            )
            if not response.cancelled:
                language = result.needs.get("language")
                team = self.units.choose(
                    at=plan.saved_at + response.wait,
                    lat=place.lat,
                    lon=place.lon,
                    language=language if isinstance(language, str) else None,
                    youth=result.needs.get("youth") is True,
                )
            if _over_at(plan, response, team) >= self.now - timedelta(minutes=5):
                return  # a response still under way now: history holds only what is over
        call = self._call(plan, result, disposition, priority, override, place if plan.has_location else None)
        self.calls += 1
        if disposition == "emergency_911":
            call.transfer_to = "911"
            call.transfer_at = plan.saved_at + timedelta(seconds=rng.randint(20, 150))
            call.transfer_by = self.operator.user_id
            call.transfer_recorded_at = call.transfer_at + timedelta(seconds=rng.randint(5, 90))
            self._followup(rng=rng, call=call, incident=None, risk=result.risk_level, start=call.transfer_at)
        elif disposition == "phone":
            self._followup(rng=rng, call=call, incident=None, risk=result.risk_level, start=plan.saved_at)
        elif response is not None:
            incident = self._incident(call, result.flags, response, team)
            if incident.cleared_at is not None:
                risk = result.risk_level if result.risk_level != "incomplete" else "moderate"
                self._followup(rng=rng, call=call, incident=incident, risk=risk, start=incident.cleared_at)

    def _call(
        self, plan: CallPlan, result: Any, disposition: str, priority: str | None, override: str | None, place: Any
    ) -> Call:
        needs = result.needs
        language = needs.get("language")
        call = Call(
            number=next_call_number(session=self.session, year=plan.received_at.year),
            received_at=plan.received_at,
            saved_at=plan.saved_at,
            taken_by=self.operator.user_id,
            status="open",
            caller_phone=plan.phone,
            caller_name=plan.name,
            caller_relation=plan.relation,
            address=place.address if place else None,
            lat=place.lat if place else None,
            lon=place.lon if place else None,
            location_source="local" if place else None,
            location_resolved=place is not None,
            questionnaire_id=self.questionnaire.id,
            questionnaire_version=self.questionnaire.version,
            answers={k: v for k, v in normalized_answers(self.questionnaire, plan.answers).items() if v != ""},
            narrative=plan.narrative,
            triage=EvaluationRead.of(result).model_dump(mode="json"),
            risk_level=result.risk_level,
            computed_disposition=result.disposition,
            computed_priority=result.priority,
            disposition=disposition,
            priority=priority,
            override_reason=override,
            transfer_instruction=transfer_instruction(result, disposition),
            needs_youth=needs.get("youth") if isinstance(needs.get("youth"), bool) else None,
            needs_language=language.strip().lower()[:8] if isinstance(language, str) and language.strip() else None,
        )
        self.session.add(call)
        self.session.flush()
        return call

    def _incident(
        self, call: Call, flags: list[str], response: ResponsePlan, team: tuple[Unit, datetime] | None
    ) -> Incident:
        opened = call.saved_at
        incident = Incident(
            number=next_incident_number(session=self.session, year=opened.year),
            call_id=call.id,
            priority=call.priority,
            disposition=call.disposition,
            category=_category(call, call.triage),
            address=call.address,
            lat=call.lat,
            lon=call.lon,
            location_source=call.location_source,
            location_resolved=True,
            needs_youth=call.needs_youth,
            needs_language=call.needs_language,
            flags=[str(flag) for flag in flags],
            area=self.areas.area_of(call.lat, call.lon),
            created_at=opened,
        )
        self.session.add(incident)
        self.session.flush()
        self.incidents += 1
        moves: list[tuple[IncidentStatus | None, IncidentStatus, datetime, Actor, str | None]] = [
            (None, _I.PENDING, opened, self.operator, f"from call {call.number}")
        ]
        if team is None:
            at = opened + response.wait
            incident.status, incident.cancelled_at = _I.CANCELLED.value, at
            incident.cancel_reason = "Resolved by phone before a team was free"
            moves.append((_I.PENDING, _I.CANCELLED, at, self.dispatcher, incident.cancel_reason))
            self._moves(incident, moves)
            return incident
        self._respond(incident, response, moves, *team)
        return incident

    def _respond(
        self, incident: Incident, response: ResponsePlan, moves: list[Any], unit: Unit, dispatched: datetime
    ) -> None:
        team = Actor.system(f"sms:{unit.call_sign}")
        field = Actor.system(f"field:{unit.call_sign}")
        incident.unit_id, incident.dispatched_at = unit.id, dispatched
        moves.append((_I.PENDING, _I.DISPATCHED, dispatched, self.dispatcher, None))
        last = _I.DISPATCHED
        if response.acknowledge is not None:
            incident.acknowledged_at = dispatched + response.acknowledge
            moves.append((last, _I.ACKNOWLEDGED, incident.acknowledged_at, team, None))
            last = _I.ACKNOWLEDGED
        incident.en_route_at = dispatched + response.turnout
        moves.append((last, _I.EN_ROUTE, incident.en_route_at, team, None))
        last, at = _I.EN_ROUTE, incident.en_route_at
        if response.travel is not None:
            incident.on_scene_at = at = at + response.travel
            moves.append((last, _I.ON_SCENE, at, team, None))
            last, at = _I.ON_SCENE, at + response.on_scene
            facility = self.facilities.get(response.facility_kind or "")
            if response.to_facility is not None and facility is not None:  # demo seed made them
                incident.facility_id, incident.transporting_at = facility.id, at
                moves.append((last, _I.TRANSPORTING, at, field, None))
                incident.at_facility_at = at = at + response.to_facility
                moves.append((_I.TRANSPORTING, _I.AT_FACILITY, at, field, None))
                last, at = _I.AT_FACILITY, at + response.at_facility
        else:
            at = at + response.on_scene
        incident.cleared_at = at
        moves.append((last, _I.CLEARED, at, team, None))
        incident.police_present = response.police_present
        incident.outcome = response.outcome
        incident.outcome_recorded_at = at + (response.outcome_late or timedelta(0))
        incident.outcome_by = self.dispatcher.user_id if response.outcome_late else None
        incident.closed_at = max(at + response.close_after, incident.outcome_recorded_at + timedelta(minutes=2))
        incident.status = _I.CLOSED.value
        moves.append((_I.CLEARED, _I.CLOSED, incident.closed_at, self.dispatcher, None))
        self.session.add(
            Assignment(
                incident_id=incident.id,
                unit_id=unit.id,
                assigned_at=dispatched,
                assigned_by=self.dispatcher.user_id,
                recommended_rank=1,
                eta_seconds=int(response.turnout.total_seconds() + (response.travel or timedelta(0)).total_seconds()),
                ended_at=incident.cleared_at,
                end_reason=_I.CLEARED.value,
            )
        )
        self.units.commit(unit, dispatched=dispatched, free_at=incident.cleared_at)
        self._moves(incident, moves)

    def _moves(self, incident: Incident, moves: list[Any]) -> None:
        for old, new, at, by, note in moves:
            self.session.add(
                IncidentMove(
                    incident_id=incident.id,
                    from_status=old.value if old else None,
                    to_status=new.value,
                    at=at,
                    user_id=by.user_id,
                    actor=by.name[:80],
                    note=note,
                )
            )

    def _followup(
        self, *, rng: random.Random, call: Call, incident: Incident | None, risk: str, start: datetime
    ) -> None:
        window = self.timers.followup_after(risk)
        if window is None:
            return
        followup = Followup(
            call_id=call.id,
            incident_id=incident.id if incident is not None else None,
            risk_level=risk,
            started_at=start,
            due_at=start + window,
            state="due",
            attempts=0,
        )
        self.session.add(followup)
        self.session.flush()
        self.followups += 1
        attempts = list(plan_followup(rng=rng, window=window).attempts)
        last_at = start + attempts[-1][0]
        if followup.due_at <= self.now and last_at >= self.now:  # over by now: its last attempt was before now
            shift = last_at - (self.now - timedelta(minutes=rng.randint(10, 120)))
            attempts = [(max(offset - shift, timedelta(minutes=5)), outcome) for offset, outcome in attempts]
        for offset, outcome in attempts:
            at = start + offset
            if at >= self.now:
                break
            self.session.add(
                FollowupAttempt(
                    followup_id=followup.id, at=at, outcome=outcome, note=None, user_id=self.operator.user_id
                )
            )
            followup.attempts += 1
            if outcome in FOLLOWUP_CLOSING:
                followup.state, followup.closed_at = FOLLOWUP_CLOSING[outcome], at
                break
        if followup.state == "due":
            self.followups_due += 1
            timer_service.start_timer(
                session=self.session,
                kind=timer_service.FOLLOWUP_OVERDUE,
                due_at=followup.due_at,
                call_id=followup.call_id,
                incident_id=followup.incident_id,
                data={"followup_id": followup.id},
            )
