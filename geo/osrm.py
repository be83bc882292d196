"""Travel times from an OSRM routing server (HTTP ``table`` service), straight-line on failure.

One request answers a whole origins x destinations matrix::

    GET {base}/table/v1/{profile}/{lon,lat;lon,lat;...}
        ?sources=0;1;..&destinations=k;..&annotations=duration,distance

OSRM answers ``{"code": "Ok", "durations": [[s, ...], ...], "distances": ...}``, one row per
source; a ``null`` cell means the road graph has no route between the two points and is returned
as ``None``. When the server cannot be reached, times out, answers an HTTP error, or answers
anything but ``"Ok"`` with a well-formed matrix, the router logs a warning and answers the
straight-line estimate instead: a dispatcher always gets an ETA.

Logs carry no coordinates (a crisis location is personal data), only the failure's kind.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

import requests

from geo.travel import LatLon, StraightLineRouter

log = logging.getLogger(__name__)

# osrm-routed's default --max-table-size: sources plus destinations in one request.
DEFAULT_MAX_LOCATIONS = 100


class OsrmError(Exception):
    """OSRM answered, but not with a usable table."""


class OsrmRouter:
    """A :class:`geo.travel.Router` backed by an OSRM server."""

    def __init__(
        self,
        base_url: str,
        session: requests.Session | None = None,
        timeout: float = 2.0,
        *,
        profile: str = "driving",
        fallback: StraightLineRouter | None = None,
        max_locations: int = DEFAULT_MAX_LOCATIONS,
    ) -> None:
        if max_locations < 2:
            raise ValueError("max_locations must allow one origin and one destination")
        self.base_url = base_url.rstrip("/")
        self.session = session if session is not None else requests.Session()
        self.timeout = timeout
        self.profile = profile
        self.fallback = fallback if fallback is not None else StraightLineRouter()
        self.max_locations = max_locations

    def __repr__(self) -> str:
        return f"OsrmRouter({self.base_url!r}, profile={self.profile!r})"

    def table(self, origins: Sequence[LatLon], destinations: Sequence[LatLon]) -> list[list[float | None]]:
        """Seconds from each origin (rows) to each destination (columns)."""
        if not origins or not destinations:
            return [[] for _ in origins]
        try:
            return self._chunked_table(origins, destinations)
        except (requests.RequestException, OsrmError, ValueError) as exc:
            log.warning(
                "OSRM table at %s failed (%s: %s); using the straight-line estimate",
                self.base_url,
                type(exc).__name__,
                _short(exc),
            )
            return self.fallback.table(origins, destinations)

    def _chunked_table(self, origins: Sequence[LatLon], destinations: Sequence[LatLon]) -> list[list[float | None]]:
        # Split so that no request carries more locations than the server accepts.
        dest_chunk = min(len(destinations), self.max_locations // 2)
        orig_chunk = self.max_locations - dest_chunk
        rows: list[list[float | None]] = [[] for _ in origins]
        for o_start in range(0, len(origins), orig_chunk):
            o_part = origins[o_start : o_start + orig_chunk]
            for d_start in range(0, len(destinations), dest_chunk):
                d_part = destinations[d_start : d_start + dest_chunk]
                part = self._request(o_part, d_part)
                for i, row in enumerate(part):
                    rows[o_start + i].extend(row)
        return rows

    def table_url(self, origins: Sequence[LatLon], destinations: Sequence[LatLon]) -> str:
        """The request URL (built by hand: OSRM wants ``;`` and ``,`` unescaped)."""
        points = [*origins, *destinations]
        coordinates = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in points)
        sources = ";".join(str(i) for i in range(len(origins)))
        targets = ";".join(str(len(origins) + j) for j in range(len(destinations)))
        return (
            f"{self.base_url}/table/v1/{self.profile}/{coordinates}"
            f"?sources={sources}&destinations={targets}&annotations=duration,distance"
        )

    def _request(self, origins: Sequence[LatLon], destinations: Sequence[LatLon]) -> list[list[float | None]]:
        response = self.session.get(self.table_url(origins, destinations), timeout=self.timeout)
        try:
            body = response.json()
        except ValueError as exc:
            raise OsrmError(f"HTTP {response.status_code}, not JSON") from exc
        if response.status_code != 200 or not isinstance(body, dict) or body.get("code") != "Ok":
            code = body.get("code") if isinstance(body, dict) else None
            raise OsrmError(f"HTTP {response.status_code}, code {code!r}")
        return _durations(body.get("durations"), len(origins), len(destinations))


def _durations(raw: Any, n_rows: int, n_cols: int) -> list[list[float | None]]:
    if not isinstance(raw, list) or len(raw) != n_rows:
        raise OsrmError("durations missing or of the wrong shape")
    rows: list[list[float | None]] = []
    for raw_row in raw:
        if not isinstance(raw_row, list) or len(raw_row) != n_cols:
            raise OsrmError("durations row of the wrong shape")
        row: list[float | None] = []
        for cell in raw_row:
            if cell is None:
                row.append(None)
            elif isinstance(cell, (int, float)) and not isinstance(cell, bool):
                value = float(cell)
                if not math.isfinite(value) or value < 0:
                    raise OsrmError("duration out of range")
                row.append(value)
            else:
                raise OsrmError("duration is not a number")
        rows.append(row)
    return rows


def _short(exc: Exception) -> str:
    text = str(exc)
    # Connection errors quote the URL, which carries coordinates: keep them out of the log.
    return "request failed" if "/table/" in text else text[:120]
