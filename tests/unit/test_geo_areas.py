"""Service areas: an incident's `area` is the first polygon of SERVICE_AREAS that holds it."""

from __future__ import annotations

import json

import pytest

from config import ConfigError
from core.app import create_app
from core.ports import ports_of
from geo.areas import AreasFileError, load_areas, parse_areas


def square(name: str, west: float, south: float, east: float, north: float, rural: bool = False) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {
        "type": "Feature",
        "properties": {"name": name, "rural": rural},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


DOCUMENT = {
    "type": "FeatureCollection",
    "features": [
        square("Old North End", -73.22, 44.48, -73.20, 44.49),
        square("Burlington", -73.28, 44.44, -73.17, 44.54),  # holds the first: file order decides
        square("Hinesburg", -73.15, 44.30, -73.05, 44.36, rural=True),
    ],
}


def test_the_first_polygon_holding_the_point_names_the_area():
    areas = parse_areas(DOCUMENT)
    assert areas.area_of(44.485, -73.21) == "Old North End"
    assert areas.area_of(44.46, -73.21) == "Burlington"
    assert areas.area_of(44.33, -73.10) == "Hinesburg"
    assert areas.area_of(45.0, -72.0) is None
    assert areas.area_of(None, None) is None


def test_a_point_on_the_boundary_is_inside():
    assert parse_areas(DOCUMENT).area_of(44.30, -73.10) == "Hinesburg"


def test_rural_comes_from_the_file():
    areas = parse_areas(DOCUMENT)
    assert areas.is_rural("Hinesburg") and not areas.is_rural("Burlington") and not areas.is_rural(None)


def test_no_setting_means_no_areas():
    assert load_areas(None).area_of(44.48, -73.21) is None


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ({"type": "Feature"}, "FeatureCollection"),
        (
            {
                "type": "FeatureCollection",
                "features": [{"properties": {}, "geometry": DOCUMENT["features"][0]["geometry"]}],
            },
            "no name",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [{**square("X", 0, 0, 1, 1), "properties": {"name": "X", "rural": "yes"}}],
            },
            "rural",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [{"properties": {"name": "P"}, "geometry": {"type": "Point", "coordinates": [0, 0]}}],
            },
            "Polygon",
        ),
    ],
)
def test_a_wrong_file_is_refused_in_words(document, words):
    with pytest.raises(AreasFileError, match=words):
        parse_areas(document)


def test_the_app_refuses_to_start_with_a_broken_areas_file(tmp_path):
    broken = tmp_path / "areas.geojson"
    broken.write_text("{not json")
    with pytest.raises(ConfigError, match="SERVICE_AREAS"):
        create_app({"APP_ENV": "testing", "SERVICE_AREAS": str(broken), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    with pytest.raises(ConfigError, match="no file"):
        create_app(
            {
                "APP_ENV": "testing",
                "SERVICE_AREAS": str(tmp_path / "missing.geojson"),
                "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
            }
        )


def test_the_app_reads_the_areas_file_into_its_ports(tmp_path):
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps(DOCUMENT))
    app = create_app({"APP_ENV": "testing", "SERVICE_AREAS": str(path), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert ports_of(app).areas.area_of(44.33, -73.10) == "Hinesburg"
