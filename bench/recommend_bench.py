"""Benchmark: one unit recommendation for 100, 1,000 and 10,000 units spread over Vermont.

Run: ``cd /work/main && .venv/bin/python bench/recommend_bench.py [--quick]``

For each fleet size it times ``dispatch.recommend.recommend`` (straight-line router, the default
with no ROUTER_URL) for incidents at random points of the state, and a baseline that ranks every
dispatchable unit by geopy's geodesic distance (what a naive implementation would do). It prints
p50/p95 beside the floors of BENCHMARKS.md ("rank units by distance") and the targets of the
dispatch issue, and the process's peak RSS. Figures, never assertions.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dispatch.recommend import IncidentSite, UnitCandidate, recommend
from geo.travel import StraightLineRouter, geodesic_m

# Vermont's extent, roughly 250 km x 160 km.
LAT_RANGE = (42.73, 45.01)
LON_RANGE = (-73.43, -71.47)
NOW = datetime(2025, 3, 14, 22, 0, tzinfo=UTC)
STALE_AFTER_S = 900
LANGUAGES = ["en", "es", "fr", "ne", "sw", "ar", "vi"]

# BENCHMARKS.md floors (p95 ms): geodesic, haversine, bounding box + haversine nearest 10.
FLOORS_MS = {
    100: (11.0, 0.08, 0.07),
    1_000: (112.0, 0.9, 0.14),
    10_000: (1_113.0, 13.0, 1.0),
}
TARGET_P95_MS = {100: 1.0, 1_000: 5.0, 10_000: 30.0}


def _point(rng: random.Random) -> tuple[float, float]:
    return rng.uniform(*LAT_RANGE), rng.uniform(*LON_RANGE)


def make_fleet(n: int, rng: random.Random) -> list[UnitCandidate]:
    statuses = ["available"] * 6 + ["en_route", "on_scene", "out_of_service", "off_duty"]
    fleet = []
    for i in range(n):
        lat, lon = _point(rng)
        home = _point(rng)
        fix = rng.random()
        fleet.append(
            UnitCandidate(
                unit_id=i,
                call_sign=f"U{i:05d}",
                status=rng.choice(statuses),
                lat=None if fix < 0.05 else lat,
                lon=None if fix < 0.05 else lon,
                location_at=None if fix < 0.05 else NOW - timedelta(minutes=rng.uniform(0, 60)),
                home_lat=home[0],
                home_lon=home[1],
                languages=rng.sample(LANGUAGES, rng.randint(1, 2)),
                youth=rng.random() < 0.3,
                last_dispatched_at=(None if rng.random() < 0.2 else NOW - timedelta(hours=rng.uniform(0, 48))),
            )
        )
    return fleet


def geodesic_baseline(incident: IncidentSite, units: Sequence[UnitCandidate]) -> list[int]:
    """Rank every dispatchable unit by geopy geodesic distance from its position or home."""
    fresh_after = NOW - timedelta(seconds=STALE_AFTER_S)
    site = (incident.lat, incident.lon)
    ranked = []
    for u in units:
        if u.status != "available":
            continue
        fresh = u.location_at is not None and u.location_at >= fresh_after
        origin = (u.lat, u.lon) if fresh and u.lat is not None and u.lon is not None else (u.home_lat, u.home_lon)
        ranked.append((geodesic_m(origin, site), u.unit_id))
    ranked.sort()
    return [unit_id for _, unit_id in ranked[:10]]


def timings_ms(run: Callable[[IncidentSite], object], sites: Sequence[IncidentSite]) -> tuple[list[float], list[float]]:
    """Wall-clock and this thread's CPU time per call, in ms (CPU time ignores preemption by
    other processes on a shared machine)."""
    wall, cpu = [], []
    for site in sites:
        start, start_cpu = time.perf_counter(), time.thread_time()
        run(site)
        cpu.append((time.thread_time() - start_cpu) * 1000.0)
        wall.append((time.perf_counter() - start) * 1000.0)
    return wall, cpu


def p(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    args = parser.parse_args()
    rng = random.Random(20250314)
    router = StraightLineRouter()
    runs = 100 if args.quick else 500
    print(f"python {sys.version.split()[0]}; {runs} recommendations per size; limit 10")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"peak RSS before: {peak_rss_mb():.1f} MB; load average {load} on {os.cpu_count()} cores")
    header = (
        f"{'units':>6} | {'p50 ms':>7} {'p95 ms':>7} {'cpu p95':>7} {'target':>6} | {'floor bbox':>10} "
        f"{'x floor':>7} | {'geodesic p95':>12} {'floor':>7} {'speed-up':>8} | {'RSS MB':>6}"
    )
    print(header)
    print("-" * len(header))
    for n in (100, 1_000, 10_000):
        fleet = make_fleet(n, rng)
        sites = [IncidentSite(*_point(rng), "es", rng.random() < 0.3) for _ in range(runs)]

        def ours(site: IncidentSite, fleet: list[UnitCandidate] = fleet) -> object:
            return recommend(incident=site, units=fleet, now=NOW, stale_after_s=STALE_AFTER_S, router=router)

        timings_ms(ours, sites[:20])  # warm up
        mine, mine_cpu = timings_ms(ours, sites)
        base_runs = {100: 100, 1_000: 30, 10_000: 5}[n] if args.quick else {100: 200}.get(n, 20)

        def baseline(site: IncidentSite, fleet: list[UnitCandidate] = fleet) -> object:
            return geodesic_baseline(site, fleet)

        base, _ = timings_ms(baseline, sites[:base_runs])
        geo_floor, _hav_floor, bbox_floor = FLOORS_MS[n]
        p95, base95 = p(mine, 0.95), p(base, 0.95)
        print(
            f"{n:>6} | {p(mine, 0.5):>7.3f} {p95:>7.3f} {p(mine_cpu, 0.95):>7.3f} {TARGET_P95_MS[n]:>6.1f} | "
            f"{bbox_floor:>10.2f} {p95 / bbox_floor:>6.1f}x | "
            f"{base95:>12.1f} {geo_floor:>7.0f} {base95 / p95:>7.0f}x | {peak_rss_mb():>6.1f}"
        )
        if n == 10_000:
            print(f"  10k: mean {statistics.fmean(mine):.3f} ms, max {max(mine):.3f} ms")
    print(
        "floor bbox = BENCHMARKS.md 'bounding box + haversine, nearest 10' (bare loop, no "
        "status/staleness/fit/reasons/geodesic);\nspeed-up = geodesic baseline p95 / recommend p95."
    )


if __name__ == "__main__":
    main()
