"""The bench's quick mode runs end to end and writes its JSON (speeds are not asserted here)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.bench
def test_bench_quick_mode_writes_every_figure_with_min_median_max(tmp_path):
    env = {**os.environ, "BENCH_OUT": str(tmp_path)}
    proc = subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", "bench", "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((tmp_path / "latest.json").read_text())
    engines = report["engines"]
    expected = {"sqlite"} | (
        {"postgresql"} if os.environ.get("DATABASE_URL", "").startswith("postgres") else set()
    )
    assert set(engines) == expected
    for figures in engines.values():
        for key in (
            "award_service_vs_raw",
            "seed_vs_raw_ratio",
            "whatif_seconds",
            "snapshot_vs_raw_38000",
            "rank_my_rank_big_vs_small",
            "http_floor_bare_rps",
            "http_floor_signed_out_rps",
            "http_floor_signed_in_rps",
            "http_home_vs_floor",
            "http_leaderboard_week_vs_floor",
            "http_dashboard_year_p50_ms",
            "http_article_read_vs_raw_award",
            "web_worker_peak_rss_mb",
        ):
            fig = figures[key]
            assert fig["min"] <= fig["median"] <= fig["max"], key
        assert all(
            len(f["runs"]) >= 3
            for k, f in figures.items()
            if isinstance(f, dict) and not k.endswith(("big_vs_small", "rss_mb"))
        )
        # wrk drove every HTTP figure, and every page answered as asked (no redirect)
        http = {k: f for k, f in figures.items() if k.startswith("http_") and k.endswith("_rps")}
        assert all(f["generator"] == "wrk" for f in http.values())
        assert all(f["errors"] == 0 for f in http.values()), {
            k: f["errors"] for k, f in http.items()
        }
