"""`flask --app wsgi facilities import FILE.csv`: a file is imported whole or not at all, bad rows
are named by their line, addresses without lat/lon are geocoded, and a name already there is
updated rather than doubled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from core.extensions import db
from core.models import AuditEntry
from core.ports import ports_of
from facilities.models import Facility
from geo.local import AddressPoint
from geo.service import import_address_points
from tests.support.facility_factories import make_facility

HEADER = (
    "name,kind,address,lat,lon,phone,accepts_youth,accepts_involuntary,accepts_walk_in,"
    "beds_adult,beds_youth,beds_observation,beds_detox"
)
PEARL = (44.4799, -73.2155)


def write(tmp_path: Path, *lines: str, header: str = HEADER) -> Path:
    path = tmp_path / "facilities.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def run(app: Any, path: Path) -> Any:
    return app.test_cli_runner().invoke(args=["facilities", "import", str(path)])


def facilities(app: Any) -> dict[str, Facility]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Facility)).all()
        return {f.name: f for f in rows}


def beds(facility: Facility) -> dict[str, tuple[int, int]]:
    return {row.bed_type: (row.available, row.total) for row in facility.beds}


def test_a_file_adds_facilities_with_their_beds(app, tmp_path):
    path = write(
        tmp_path,
        "North Crisis Center,crisis_receiving,1 North Ave,44.49,-73.22,(802) 555-0150,no,yes,yes,3/8,,2/4,",
        "Lake Detox,detox,2 Lake St,44.47,-73.22,,,,Y,,,,10",
    )
    answer = run(app, path)
    assert answer.exit_code == 0, answer.output
    assert "2 facilities added, 0 updated" in answer.output
    found = facilities(app)
    north, detox = found["North Crisis Center"], found["Lake Detox"]
    assert north.phone == "+18025550150" and north.kind == "crisis_receiving"
    assert (north.accepts_youth, north.accepts_involuntary, north.accepts_walk_in) == (False, True, True)
    assert beds(north) == {"adult": (3, 8), "observation": (2, 4)} and north.beds_updated_at is not None
    # "10": ten detox beds, how many are open not reported: none counted open, and the count is stale.
    assert beds(detox) == {"detox": (0, 10)} and detox.beds_updated_at is None
    assert detox.accepts_walk_in is True and detox.accepts_youth is False


def test_importing_again_updates_by_name_rather_than_doubling(app, tmp_path):
    existing = make_facility(app, name="North Crisis Center", beds={"adult": (1, 8)}, phone="+18025550900")
    path = write(tmp_path, "north crisis center,stabilization,1 North Ave,44.49,-73.22,802-555-0151,yes,no,no,5/10,,,")
    answer = run(app, path)
    assert answer.exit_code == 0, answer.output
    assert "0 facilities added, 1 updated" in answer.output
    found = facilities(app)
    assert list(found) == ["north crisis center"]
    again = found["north crisis center"]
    assert again.id == existing and again.kind == "stabilization" and again.phone == "+18025550151"
    assert beds(again) == {"adult": (5, 10)} and again.accepts_youth is True
    with app.app_context():
        actions = set(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.record_type == "facility")))
        assert {"facility.update", "facility.beds"} <= actions


def test_a_bad_row_names_its_line_and_nothing_is_imported(app, tmp_path):
    path = write(
        tmp_path,
        "Good Place,respite,3 Good St,44.48,-73.21,,no,no,yes,2/3,,,",
        "Bad Kind,spa,4 Bad St,44.48,-73.21,,no,no,yes,,,,",
        "Bad Beds,respite,5 Bad St,44.48,-73.21,not a phone,maybe,no,no,9/3,x,,",
        "Good Place,respite,6 Other St,44.48,-73.21,,no,no,yes,,,,",
        ",respite,7 Bad St,44.48,,,,,,,,,",
    )
    answer = run(app, path)
    assert answer.exit_code != 0
    out = answer.output
    assert "nothing changed" in out
    assert "line 3: kind is 'spa'" in out
    assert "line 4: " in out and "phone is 'not a phone'" in out and "accepts_youth is 'maybe'" in out
    assert "beds_adult is '9/3'" in out and "beds_youth is 'x'" in out
    assert "line 5: name 'Good Place' is also on line 2" in out
    assert "line 6: name is empty" in out and "give both lat and lon" in out
    assert facilities(app) == {}


def test_a_file_with_unknown_columns_or_no_header_is_refused_in_words(app, tmp_path):
    odd = run(app, write(tmp_path, "X,respite,1 A St,44.4,-73.2", header="name,kind,address,lat,lon,colour"))
    assert odd.exit_code != 0 and "unknown columns colour" in odd.output
    none = run(app, write(tmp_path, "1 A St,44.4", header="address,lat"))
    assert none.exit_code != 0 and "the header lacks name, kind" in none.output
    empty = run(app, write(tmp_path))
    assert empty.exit_code != 0 and "holds no facilities" in empty.output
    assert facilities(app) == {}


def test_addresses_without_lat_lon_are_geocoded_and_one_not_found_stops_the_import(live_app, tmp_path):
    app = live_app
    with app.app_context():
        import_address_points(
            session=db.session, points=[AddressPoint("12", "Pearl Street", "", "Burlington", "VT", "05401", *PEARL)]
        )
        db.session.commit()
    ports_of(app).locator.forget_local_points()
    lost = run(
        app, write(tmp_path, "Pearl House,respite,12 Pearl St,,,,,,,,,,", "Nowhere,respite,1 Nowhere Ln,,,,,,,,,,")
    )
    assert lost.exit_code != 0 and "line 3: No place found for '1 Nowhere Ln'" in lost.output
    assert facilities(app) == {}
    found = run(app, write(tmp_path, "Pearl House,respite,12 Pearl St,,,,,,,,,,"))
    assert found.exit_code == 0, found.output
    pearl = facilities(app)["Pearl House"]
    assert (pearl.lat, pearl.lon) == PEARL
