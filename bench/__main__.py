"""``python -m bench [--quick]``: run every engine, print a table, write var/bench/latest.json.

SQLite always; PostgreSQL too when DATABASE_URL points at one. Each engine
runs in its own process (Django is configured once per process).
"""

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(os.environ.get("BENCH_OUT", str(ROOT / "var" / "bench")))


def main() -> int:
    quick = "--quick" in sys.argv
    only = [a for a in sys.argv[1:] if a.startswith("--only=")]  # --only=http
    OUT.mkdir(parents=True, exist_ok=True)
    engines = [("sqlite", {k: v for k, v in os.environ.items() if k != "DATABASE_URL"})]
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        engines.append(("postgresql", dict(os.environ)))
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "quick": quick,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "engines": {},
    }
    wanted = [e for e in os.environ.get("BENCH_ENGINES", "").split(",") if e]
    engines = [(n, e) for n, e in engines if not wanted or n in wanted]
    for name, env in engines:
        part = OUT / f"{name}.json"
        args = [sys.executable, "-m", "bench.engine", str(part), *only]
        args += ["--quick"] if quick else []
        subprocess.run(args, cwd=ROOT, env=env, check=True)
        report["engines"][name] = json.loads(part.read_text())
    (OUT / "latest.json").write_text(json.dumps(report, indent=2))
    print_table(report)
    print(f"\nwritten: {OUT / 'latest.json'}")
    return 0


def print_table(report: dict) -> None:
    for engine, figures in report["engines"].items():
        print(f"\n== {engine}{' (quick)' if report['quick'] else ''}")
        print(f"{'figure':42} {'min':>11} {'median':>11} {'max':>11}  unit  target")
        for key, fig in figures.items():
            if not isinstance(fig, dict):
                continue
            print(
                f"{key:42} {fig['min']:>11.2f} {fig['median']:>11.2f} {fig['max']:>11.2f}  "
                f"{fig['unit']}  {fig.get('target', '')}"
            )


if __name__ == "__main__":
    sys.exit(main())
