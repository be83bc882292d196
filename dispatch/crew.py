"""Who rides with a unit this shift, and when its staffing is flagged (pure: no Flask, no DB).

SAMHSA's National Guidelines (2020) describe a mobile crisis team as two people, one of them a
behavioral health professional (here: a ``clinician``); DOMAIN.md "Who uses it": usually a
clinician and a peer specialist. So a unit *on duty* is flagged when

* nobody is recorded as riding with it: ``no crew recorded`` (the one flag then: the crew is
  unknown, not known to be short);
* fewer than two people count towards the team: ``fewer than two staff`` (a ``trainee`` rides
  along and learns, and does not count);
* nobody in the crew is a clinician: ``no clinician`` (a nurse or an EMT is not the behavioral
  health professional the guidelines mean).

A unit that is ``off_duty`` or ``out_of_service`` is never flagged: nobody expects it to answer.
The flags are words a dispatcher reads as they are (the API carries them as strings).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# The roles a person in a crew may have, with the words every screen shows, in the order a
# dispatcher picks from.
CREW_ROLES: dict[str, str] = {
    "clinician": "clinician",
    "peer_specialist": "peer specialist",
    "nurse": "nurse",
    "emt": "EMT / medic",
    "case_manager": "case manager",
    "trainee": "trainee",
    "other": "other",
}
CLINICIAN = "clinician"
NOT_COUNTED = frozenset({"trainee"})  # rides along, is not one of the two
CREW_MAX = 6
NAME_MAX = 80
TEAM_MIN = 2

NO_CREW = "no crew recorded"
TOO_FEW = "fewer than two staff"
NO_CLINICIAN = "no clinician"
# The statuses in which a unit is not expected to answer a call (dispatch.states.UnitStatus values).
NOT_ON_DUTY = frozenset({"off_duty", "out_of_service"})

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class CrewPerson:
    name: str
    role: str
    user_id: int | None = None


class CrewInvalid(ValueError):
    """A crew that cannot be recorded; `fields` names what is wrong, as the API reports it."""

    def __init__(self, message: str, fields: dict[str, str]) -> None:
        super().__init__(message)
        self.fields = fields


def role_label(role: str) -> str:
    return CREW_ROLES.get(role, role.replace("_", " "))


def on_duty(status: str) -> bool:
    return status not in NOT_ON_DUTY


def staffing_flags(*, status: str, roles: Sequence[str]) -> list[str]:
    """What is short about a unit's crew (the roles of the people riding with it), in words;
    empty when the crew is complete or the unit is not on duty."""
    if not on_duty(status):
        return []
    if not roles:
        return [NO_CREW]
    flags = []
    if sum(1 for role in roles if role not in NOT_COUNTED) < TEAM_MIN:
        flags.append(TOO_FEW)
    if CLINICIAN not in roles:
        flags.append(NO_CLINICIAN)
    return flags


def staffing_reason(*, status: str, roles: Sequence[str]) -> str | None:
    """The line a recommendation carries for a short-staffed unit ("crew: 1 (fewer than two
    staff, no clinician)"), so the dispatcher sees it before assigning; None when nothing is short.
    It never changes the ranking: a short crew may still be the only help near."""
    flags = staffing_flags(status=status, roles=roles)
    if not flags:
        return None
    if flags == [NO_CREW]:
        return "crew: not recorded"
    return f"crew: {len(roles)} ({', '.join(flags)})"


def clean_name(name: str) -> str:
    """A name as it is shown: trimmed, every run of spaces, tabs or line breaks one space."""
    return _SPACES.sub(" ", name).strip()


def clean_crew(people: Iterable[tuple[str, str, int | None]]) -> list[CrewPerson]:
    """The crew as (name, role, user id) in the order given, checked: 0-6 people, each name
    1-80 characters after trimming and listed once, each role one of CREW_ROLES. Raises
    CrewInvalid naming every field that is wrong (`crew.<n>.name`, `crew.<n>.role`)."""
    crew: list[CrewPerson] = []
    fields: dict[str, str] = {}
    seen: dict[str, int] = {}
    for index, (raw_name, role, user_id) in enumerate(people):
        name = clean_name(raw_name)
        if not name:
            fields[f"crew.{index}.name"] = "required"
        elif len(name) > NAME_MAX:
            fields[f"crew.{index}.name"] = f"at most {NAME_MAX} characters"
        elif name.casefold() in seen:
            fields[f"crew.{index}.name"] = f"listed twice (also person {seen[name.casefold()] + 1})"
        else:
            seen[name.casefold()] = index
        if role not in CREW_ROLES:
            fields[f"crew.{index}.role"] = f"unknown role {role!r}: one of {', '.join(CREW_ROLES)}"
        crew.append(CrewPerson(name=name, role=role, user_id=user_id))
    if len(crew) > CREW_MAX:
        fields["crew"] = f"at most {CREW_MAX} people"
    if fields:
        raise CrewInvalid("The crew cannot be recorded as it is.", fields)
    return crew


def crew_words(crew: Sequence[CrewPerson]) -> str:
    """ "Dana Reyes (clinician), Sam Ortiz (peer specialist)"; "no crew recorded" when empty."""
    if not crew:
        return NO_CREW
    return ", ".join(f"{person.name} ({role_label(person.role)})" for person in crew)
