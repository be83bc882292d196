"""Local geocoder benchmark: index build time, per-query latency (exact, fuzzy, reverse, and
`find`'s further tiers: cross streets from data/streets and house-number interpolation), peak RSS.

Run: .venv/bin/python bench/geocode_bench.py [--queries N] [--csv data/addresses/burlington_vt.csv]
Figures are printed, never asserted. There is no floor for geocoding in BENCHMARKS.md; the
nearest one (bounding box + haversine, nearest 10 of 10k units: p95 1.0 ms) is printed beside the
reverse figure as a ratio.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo.local import AddressPoint, LocalGeocoder, read_address_csv
from geo.streets import load_intersections

DEFAULT_CSV = Path(__file__).resolve().parents[1] / "data" / "addresses" / "burlington_vt.csv"
NEAREST_FLOOR_P95_MS = 1.0  # BENCHMARKS.md: bounding box + haversine, nearest 10 of 10k units
SHORT = {"Street": "St", "Avenue": "Ave", "Road": "Rd", "Drive": "Dr", "North": "N", "South": "S"}


def typo(street: str, rng: random.Random) -> str:
    words = street.split()
    i = max(range(len(words)), key=lambda k: len(words[k]))
    word = words[i]
    at = rng.randrange(1, len(word))
    words[i] = word[:at] + word[at + 1 :]  # one letter dropped from the longest word
    if rng.random() < 0.5:
        words = [SHORT.get(w, w) for w in words]
    return " ".join(words)


def corner_text(a: str, b: str, rng: random.Random) -> str:
    """Two streets typed as a corner, the ways an operator types one."""
    short = rng.choice([lambda s: s, lambda s: " ".join(SHORT.get(w, w) for w in s.split()), lambda s: s.split()[0]])
    form = rng.choice(["{} & {}", "{} and {}", "{} at {}", "corner of {} and {}", "{}/{}"])
    return form.format(short(a), short(b))


def between(geocoder: LocalGeocoder, point: AddressPoint, rng: random.Random) -> str:
    """A house number one or two above a known one on its street (mostly not an address point)."""
    base = int("".join(ch for ch in point.number if ch.isdigit()) or 1)
    return f"{base + rng.choice((1, 2))} {point.street}"


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100)
    return statistics.median(samples), cuts[94], max(samples)


def timed(label: str, queries: list[str], call: Callable[[str], object]) -> list[object]:
    answers = []
    durations = []
    for query in queries:
        started = time.perf_counter()
        answers.append(call(query))
        durations.append((time.perf_counter() - started) * 1000)
    p50, p95, worst = percentiles(durations)
    found = sum(answer is not None for answer in answers)
    print(f"{label:<28} p50 {p50:6.3f} ms  p95 {p95:6.3f} ms  max {worst:6.3f} ms  answered {found}/{len(queries)}")
    return answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    points: list[AddressPoint] = list(read_address_csv(args.csv))
    read_s = time.perf_counter() - started
    builds = []
    intersections = load_intersections()
    assert intersections is not None, "data/streets/burlington_intersections.csv is missing"
    geocoder = LocalGeocoder(points, intersections=intersections)
    for _ in range(5):
        started = time.perf_counter()
        geocoder = LocalGeocoder(points, intersections=intersections)
        builds.append(time.perf_counter() - started)
    print(f"address points               {len(points)}  (read and checked in {read_s * 1000:.0f} ms)")
    print(f"index build                  median {statistics.median(builds) * 1000:.0f} ms of 5")

    rng = random.Random(args.seed)
    sample = [rng.choice(points) for _ in range(args.queries)]
    exact = [f"{p.number} {p.street}" for p in sample]
    full = [f"{p.number} {p.street}, {p.city}, {p.state} {p.postcode}" for p in sample]
    fuzzy = [f"{p.number} {typo(p.street, rng)}" for p in sample]
    positions = [(rng.uniform(44.45, 44.53), rng.uniform(-73.28, -73.18)) for _ in sample]
    timed("geocode exact", exact, geocoder.geocode)
    timed("geocode with city/state/zip", full, geocoder.geocode)
    timed("geocode one typo", fuzzy, geocoder.geocode)
    timed("geocode unknown number", [f"99999 {p.street}" for p in sample], geocoder.geocode)
    # find(): what the app's chain asks; an address point answers as before, the rest try more.
    timed("find exact (all tiers)", exact, geocoder.find)
    corners = [corner_text(j.street_a, j.street_b, rng) for j in rng.sample(intersections.junctions, 300)]
    timed("find cross streets", corners, geocoder.find)
    timed("find between two numbers", [between(geocoder, p, rng) for p in sample[:500]], geocoder.find)
    timed("find unknown number", [f"99999 {p.street}" for p in sample], geocoder.find)
    durations = []
    for position in positions:
        started = time.perf_counter()
        geocoder.reverse(position)
        durations.append((time.perf_counter() - started) * 1000)
    p50, p95, worst = percentiles(durations)
    print(
        f"{'reverse (nearest point)':<28} p50 {p50:6.3f} ms  p95 {p95:6.3f} ms  max {worst:6.3f} ms"
        f"  ({p95 / NEAREST_FLOOR_P95_MS:.2f}x the nearest-10-of-10k floor p95)"
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS                     {peak_mb:.0f} MB ({before_mb:.0f} MB before loading points)")


if __name__ == "__main__":
    main()
