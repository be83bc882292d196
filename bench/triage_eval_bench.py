"""Time one triage evaluation (answer checks included) over random answer sets.

Run from the repository root:

    .venv/bin/python bench/triage_eval_bench.py [--sets 5000] [--seed 7] [--questionnaire ID]

Prints p50/p95/p99 of `evaluate` (which runs `check_answers` first) and of `check_answers`
alone, against the 1 ms p95 target. No floor in BENCHMARKS.md applies: this is pure Python
with no I/O, so the ratio printed is against the target.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from triage.engine import check_answers, evaluate
from triage.questionnaire import (
    DEFAULT_QUESTIONNAIRE_ID,
    Questionnaire,
    latest,
    load_directory,
)

TARGET_P95_MS = 1.0
LANGUAGES = ("en", "es", "fr", "vi", "zh", "ar", "so", "ru")


def random_answers(questionnaire: Questionnaire, rng: random.Random) -> dict[str, str]:
    """Answers as an operator would give them: branches followed, some left unanswered."""
    answers: dict[str, str] = {}
    for question in questionnaire.questions:
        if rng.random() < 0.08:
            continue  # left unanswered
        candidate = dict(answers)
        if question.options is None:
            candidate[question.id] = rng.choice(LANGUAGES)
        else:
            weights = [10 if option == "no" else 1 for option in question.options]
            candidate[question.id] = rng.choices(question.options, weights)[0]
        if not check_answers(questionnaire, candidate):  # not shown with these answers: skip
            answers = candidate
    return answers


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--questionnaire", default=DEFAULT_QUESTIONNAIRE_ID)
    args = parser.parse_args()

    questionnaire = latest(load_directory(), args.questionnaire)
    rng = random.Random(args.seed)
    answer_sets = [random_answers(questionnaire, rng) for _ in range(args.sets)]
    for answers in answer_sets[:200]:  # warm up
        evaluate(questionnaire, answers)

    evaluate_ms: list[float] = []
    check_ms: list[float] = []
    outcomes: dict[str, int] = {}
    for answers in answer_sets:
        started = time.perf_counter_ns()
        result = evaluate(questionnaire, answers)
        evaluate_ms.append((time.perf_counter_ns() - started) / 1e6)
        started = time.perf_counter_ns()
        check_answers(questionnaire, answers)
        check_ms.append((time.perf_counter_ns() - started) / 1e6)
        outcomes[result.disposition] = outcomes.get(result.disposition, 0) + 1

    print(f"questionnaire {questionnaire.id} v{questionnaire.version}, {args.sets} answer sets")
    print("dispositions: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    for name, samples in (("evaluate", evaluate_ms), ("check_answers", check_ms)):
        p95 = percentile(samples, 0.95)
        print(
            f"{name:>14}: p50 {statistics.median(samples):.3f} ms  p95 {p95:.3f} ms  "
            f"p99 {percentile(samples, 0.99):.3f} ms  "
            f"(p95 / {TARGET_P95_MS:g} ms target = {p95 / TARGET_P95_MS:.2f})"
        )


if __name__ == "__main__":
    main()
