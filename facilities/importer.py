"""`flask --app wsgi facilities import FILE.csv`: facilities from a spreadsheet (README.md
"Facilities from a spreadsheet" lists the columns).

The whole file is read and checked first, then the addresses without lat/lon are geocoded
(holding no transaction), then every row is written in one transaction the caller commits. Any
bad row stops the import with its line number and what is wrong; the caller rolls back, so a
file is imported whole or not at all. A name already there (any case) is updated, not doubled.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from core.actors import Actor
from core.bus import MessageBus
from core.clock import now as clock_now
from core.db import end_reads
from core.errors import DomainError
from facilities import service
from facilities.beds import BEDS_MAX, BedCount
from facilities.models import BED_TYPES, FACILITY_KINDS, Facility
from geo.service import LocatedAddress, Locator
from triage.phones import PhoneInvalid, e164_or_none

REQUIRED = ("name", "kind")  # never empty (address too: checked with its own words)
HEADER_REQUIRED = ("name", "kind", "address")
COLUMNS = (
    "name",
    "kind",
    "address",
    "lat",
    "lon",
    "phone",
    "accepts_youth",
    "accepts_involuntary",
    "accepts_walk_in",
    *(f"beds_{t}" for t in BED_TYPES),
)
YES = frozenset({"yes", "y", "true", "1", "x"})
NO = frozenset({"no", "n", "false", "0", ""})
MAX_ROWS = 5000


class FacilityFileError(ValueError):
    """A file that cannot be imported; the message lists each bad line."""


@dataclass
class Row:
    line: int
    name: str
    kind: str
    address: str | None
    lat: float | None
    lon: float | None
    phone: str | None
    accepts: dict[str, bool]
    # bed type -> (total, available or None when only the total is given)
    beds: dict[str, tuple[int, int | None]]
    place: LocatedAddress | None = None


@dataclass
class ImportResult:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


def _flag(value: str, column: str, problems: list[str]) -> bool:
    word = value.strip().lower()
    if word in YES:
        return True
    if word not in NO:
        problems.append(f"{column} is {value!r}: write yes or no")
    return False


def _number(value: str, column: str, low: float, high: float, problems: list[str]) -> float | None:
    if not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        problems.append(f"{column} is {value!r}: not a number")
        return None
    if not low <= number <= high:
        problems.append(f"{column} is {value!r}: must be between {low:g} and {high:g}")
        return None
    return number


def _beds(value: str, column: str, problems: list[str]) -> tuple[int, int | None] | None:
    """ "8" (8 beds, how many are open not reported) or "3/8" (3 of 8 open)."""
    text = value.strip()
    if not text:
        return None
    open_text, _, total_text = text.rpartition("/")
    try:
        total = int(total_text)
        available = int(open_text) if open_text else None
    except ValueError:
        problems.append(f"{column} is {value!r}: write the number of beds (8) or open/total (3/8)")
        return None
    if not 0 <= total <= BEDS_MAX:
        problems.append(f"{column} is {value!r}: the total must be between 0 and {BEDS_MAX}")
    elif available is not None and not 0 <= available <= total:
        problems.append(f"{column} is {value!r}: the open beds must be between 0 and the total ({total})")
    else:
        return (total, available)
    return None


def _row(line: int, record: dict[str, str], problems: list[str]) -> Row:
    value = {column: (record.get(column) or "").strip() for column in COLUMNS}
    for column in REQUIRED:
        if not value[column]:
            problems.append(f"{column} is empty")
    kind = value["kind"].lower()
    if kind and kind not in FACILITY_KINDS:
        problems.append(f"kind is {value['kind']!r}: one of {', '.join(FACILITY_KINDS)}")
    lat = _number(value["lat"], "lat", -90, 90, problems)
    lon = _number(value["lon"], "lon", -180, 180, problems)
    if (value["lat"] == "") != (value["lon"] == ""):
        problems.append("give both lat and lon, or neither")
    if not value["address"]:
        problems.append("address is empty (a team needs it in words, even with lat and lon)")
    try:
        phone = e164_or_none(value["phone"])
    except PhoneInvalid as error:
        problems.append(f"phone is {value['phone']!r}: {error}")
        phone = None
    accepts = {
        key: _flag(value[f"accepts_{key}"], f"accepts_{key}", problems) for key in ("youth", "involuntary", "walk_in")
    }
    beds = {}
    for bed_type in BED_TYPES:
        found = _beds(value[f"beds_{bed_type}"], f"beds_{bed_type}", problems)
        if found is not None:
            beds[bed_type] = found
    return Row(
        line=line,
        name=" ".join(value["name"].split()),
        kind=kind,
        address=value["address"] or None,
        lat=lat,
        lon=lon,
        phone=phone,
        accepts=accepts,
        beds=beds,
    )


def read_facility_csv(path: Path) -> list[Row]:
    """Every row of the file, checked; FacilityFileError listing each bad line otherwise."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in reader.fieldnames or []]
            missing = [column for column in HEADER_REQUIRED if column not in header]
            if missing:
                raise FacilityFileError(
                    f"line 1: the header lacks {', '.join(missing)} (columns: {', '.join(COLUMNS)})"
                )
            unknown = [name for name in header if name and name not in COLUMNS]
            if unknown:
                raise FacilityFileError(f"line 1: unknown columns {', '.join(unknown)} (columns: {', '.join(COLUMNS)})")
            reader.fieldnames = header
            rows: list[Row] = []
            errors: list[str] = []
            seen: dict[str, int] = {}
            for record in reader:
                line = reader.line_num
                if len(rows) >= MAX_ROWS:
                    raise FacilityFileError(f"line {line}: more than {MAX_ROWS} facilities in one file")
                if None in record:
                    errors.append(f"line {line}: more cells than columns")
                    continue
                if not any((cell or "").strip() for cell in record.values()):
                    continue  # a blank line
                problems: list[str] = []
                row = _row(line, record, problems)
                key = row.name.lower()
                if key and key in seen:
                    problems.append(f"name {row.name!r} is also on line {seen[key]}")
                seen.setdefault(key, line)
                if problems:
                    errors.append(f"line {line}: " + "; ".join(problems))
                rows.append(row)
    except UnicodeDecodeError:
        raise FacilityFileError("the file is not UTF-8 text (save it as CSV UTF-8)") from None
    except csv.Error as error:
        raise FacilityFileError(f"the file is not CSV: {error}") from None
    if errors:
        raise FacilityFileError("\n".join(errors))
    if not rows:
        raise FacilityFileError("the file holds no facilities")
    return rows


def import_facilities(*, session: Any, path: Path, locator: Locator, by: Actor, bus: MessageBus) -> ImportResult:
    """Read, geocode, then write every row (see the module's note); the caller commits, or rolls
    back on FacilityFileError."""
    rows = read_facility_csv(path)
    end_reads(session)  # a network geocoder may take seconds: no transaction waits on it
    errors = []
    for row in rows:
        try:
            row.place = service.locate_facility(locator=locator, address=row.address, lat=row.lat, lon=row.lon)
        except DomainError as error:
            errors.append(f"line {row.line}: {error.message}")
    if errors:
        raise FacilityFileError("\n".join(errors))
    result = ImportResult()
    for row in rows:
        try:
            _write(session, row, by=by, bus=bus, result=result)
        except DomainError as error:
            detail = "; ".join(f"{k}: {v}" for k, v in (error.fields or {}).items())
            raise FacilityFileError(f"line {row.line}: {error.message}" + (f" ({detail})" if detail else "")) from None
    return result


def _write(session: Any, row: Row, *, by: Actor, bus: MessageBus, result: ImportResult) -> None:
    assert row.place is not None
    existing = session.scalar(sa.select(Facility).where(sa.func.lower(Facility.name) == row.name.lower()))
    reported = {t: (available, total) for t, (total, available) in row.beds.items() if available is not None}
    totals = {t: total for t, (total, available) in row.beds.items() if available is None}
    if existing is None:
        facility = service.create_facility(
            session=session,
            name=row.name,
            kind=row.kind,
            place=row.place,
            phone=row.phone,
            accepts_youth=row.accepts["youth"],
            accepts_involuntary=row.accepts["involuntary"],
            accepts_walk_in=row.accepts["walk_in"],
            beds={t: BedCount(total=a_t[1], available=a_t[0]) for t, a_t in reported.items()},
            by=by,
            bus=bus,
        )
        result.added.append(row.name)
    else:
        facility = service.update_facility(
            session=session,
            facility_id=existing.id,
            changes={
                "name": row.name,
                "kind": row.kind,
                "phone": row.phone,
                "accepts_youth": row.accepts["youth"],
                "accepts_involuntary": row.accepts["involuntary"],
                "accepts_walk_in": row.accepts["walk_in"],
            },
            place=row.place,
            by=by,
            bus=bus,
        )
        if reported:
            service.report_beds(
                session=session, facility_id=facility.id, report=reported, by=by, bus=bus, now=clock_now()
            )
        result.updated.append(row.name)
    if totals:
        service.set_bed_totals(session=session, facility_id=facility.id, totals=totals, by=by, bus=bus)
