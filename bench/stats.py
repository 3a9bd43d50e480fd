"""Small helpers: min/median/max of runs, and a timer (the HTTP load generator is wrk)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def summary(runs: list[float], unit: str, **extra) -> dict:
    """``{"unit", "runs", "min", "median", "max", ...extra}`` of at least one run."""
    return {
        "unit": unit,
        "runs": [round(r, 4) for r in runs],
        "min": round(min(runs), 4),
        "median": round(statistics.median(runs), 4),
        "max": round(max(runs), 4),
        **extra,
    }


def timed(fn: Callable[[], object]) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began
