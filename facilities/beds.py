"""Bed rules, pure (no Flask, no database): which bed type a transport takes, when a count is
stale, and what a bed report may say (CONTRACT "Facilities and beds")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from facilities.models import BED_TYPES

# The most beds of one type a facility may report (a typo guard; the largest ED is far below it).
BEDS_MAX = 10_000


@dataclass(frozen=True, slots=True)
class BedCount:
    total: int
    available: int


def bed_type_for(*, youth: bool | None, offered: Mapping[str, int]) -> str:
    """The bed type a person needs at a facility, when nobody said which: `youth` for a youth
    incident (CONTRACT: "a youth incident: … `youth` beds"); otherwise `adult` when the facility
    has adult beds, else the first of `observation` and `detox` it has (a 23-hour centre, a detox
    unit), else `adult`. `offered`: the facility's total beds by type."""
    if youth:
        return "youth"
    for bed_type in ("adult", "observation", "detox"):
        if offered.get(bed_type, 0) > 0:
            return bed_type
    return "adult"


def beds_stale(updated_at: datetime | None, *, now: datetime, stale_s: int) -> bool:
    """A count never reported, or reported longer ago than `stale_s` (FACILITY_BEDS_STALE_S)."""
    return updated_at is None or updated_at < now - timedelta(seconds=stale_s)


class BedReportInvalid(ValueError):
    """A bed report that breaks a rule; `fields` names each wrong field ("beds.adult.available")."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(f"{name}: {why}" for name, why in fields.items()))
        self.fields = fields


def apply_report(current: Mapping[str, BedCount], report: Mapping[str, tuple[int, int | None]]) -> dict[str, BedCount]:
    """The counts after a report {bed_type: (available, total or None: unchanged)}: every type
    known, `total` given for a type the facility does not list yet, 0 <= available <= total.
    Raises BedReportInvalid naming every wrong field; returns only the types reported."""
    fields: dict[str, str] = {}
    result: dict[str, BedCount] = {}
    for bed_type, (available, total) in report.items():
        where = f"beds.{bed_type}"
        if bed_type not in BED_TYPES:
            fields[where] = f"unknown bed type; one of {', '.join(BED_TYPES)}"
            continue
        if total is None:
            held = current.get(bed_type)
            if held is None:
                fields[f"{where}.total"] = "required: the facility lists no beds of this type yet"
                continue
            total = held.total
        if total < 0 or total > BEDS_MAX:
            fields[f"{where}.total"] = f"must be between 0 and {BEDS_MAX}"
            continue
        if available < 0:
            fields[f"{where}.available"] = "must be 0 or more"
        elif available > total:
            fields[f"{where}.available"] = f"must be at most the total ({total})"
        else:
            result[bed_type] = BedCount(total=total, available=available)
    if fields:
        raise BedReportInvalid(fields)
    return result
