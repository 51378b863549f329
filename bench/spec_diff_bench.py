"""Time the word diff of spec revisions on the largest fields a spec accepts.

    .venv/bin/python bench/spec_diff_bench.py [--repeat 5]

No database needed: the diff is pure text. For each case, prints the seconds of one diff (best of
`repeat`), the steps spent and what was used (words, lines, or one replacement when the texts
differ too much for the budget). The history page only renders stored segments; this is the cost
paid once, when a revision is saved (and for older revisions, on read).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("TESTING", "1")  # a placeholder secret key

import django  # noqa: E402

django.setup()

from collab.features.diff import Work, diff_segments  # noqa: E402
from collab.features.specfields import SPEC_TEXT_MAX  # noqa: E402


def cases() -> dict[str, tuple[str, str]]:
    rng = random.Random(1)
    old = " ".join(f"w{rng.randint(0, 999)}" for _ in range(SPEC_TEXT_MAX))[:SPEC_TEXT_MAX]
    words = old.split(" ")
    return {
        "one word changed": (old, old.replace(f" {words[900]} ", " changed ", 1)),
        "1 % of words changed": (old, " ".join(w if rng.random() > 0.01 else "x" for w in words)),
        "30 % of words changed (the probe)": (old, " ".join(w if rng.random() > 0.3 else "x" for w in words)),
        "every token different": ("a." * (SPEC_TEXT_MAX // 2), "b." * (SPEC_TEXT_MAX // 2)),
        "100 KB (over the limit, as stored before it)": (
            old * 5,
            " ".join(w[::-1] for w in (old * 5).split(" ")),
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for name, (old, new) in cases().items():
        best, work = float("inf"), Work()
        for _ in range(args.repeat):
            work = Work()
            started = time.perf_counter()
            diff_segments(old, new, work)
            best = min(best, time.perf_counter() - started)
        print(f"{name:<48} {best * 1000:8.1f} ms  {work.steps:>8} steps  {'+'.join(work.runs)}")  # noqa: T201


if __name__ == "__main__":
    main()
