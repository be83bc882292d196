"""GET /geo/streets.geojson: the street lines the maps draw when no tile server is set."""

from __future__ import annotations

import gzip
import json

from geo.streets import DEMO_STREETS


def test_the_street_layer_is_served_gzipped_with_an_etag_and_caching(client):
    answer = client.get("/geo/streets.geojson", headers={"Accept-Encoding": "gzip, deflate"})
    assert answer.status_code == 200
    assert answer.mimetype == "application/geo+json"
    assert answer.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in answer.headers["Vary"]
    assert "max-age=3600" in answer.headers["Cache-Control"]
    body = gzip.decompress(answer.get_data())
    assert body == DEMO_STREETS.read_bytes()
    assert len(answer.get_data()) < len(body) / 3  # 112 KB of coordinates pack well
    layer = json.loads(body)
    assert layer["type"] == "FeatureCollection" and len(layer["features"]) == 390
    assert "VCGI" in layer["attribution"]

    again = client.get(
        "/geo/streets.geojson", headers={"Accept-Encoding": "gzip", "If-None-Match": answer.headers["ETag"]}
    )
    assert again.status_code == 304 and again.get_data() == b""


def test_a_client_without_gzip_gets_the_plain_file_under_another_tag(client):
    packed = client.get("/geo/streets.geojson", headers={"Accept-Encoding": "gzip"})
    plain = client.get("/geo/streets.geojson", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert plain.get_data() == DEMO_STREETS.read_bytes()
    assert plain.headers["ETag"] != packed.headers["ETag"]
    stale = client.get("/geo/streets.geojson", headers={"If-None-Match": '"not-this-one"'})
    assert stale.status_code == 200
