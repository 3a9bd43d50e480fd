"""Run pip-audit on the virtualenv, or say loudly that it checked nothing.

pip-audit reads known vulnerabilities from PyPI's JSON API
(https://pypi.org/pypi/<name>/<version>/json). Where that is unreachable or
answers nothing (offline builds, an index mirror that serves only /simple/), no
package is audited: this prints a boxed WARNING naming how many installed packages
were NOT audited, and exits 0 — so `make test` goes on but nobody can read the run as
"audited, nothing found" — or exits 2 when ``PIP_AUDIT_REQUIRED=1`` (CI with network
access should set it). A partial audit (some packages skipped) prints the same box
for the skipped ones. Otherwise: a summary, each vulnerable package, and exit 1
when any installed package has a known vulnerability.
"""

import json
import os
import subprocess  # nosec B404
import sys
from importlib import metadata
from pathlib import Path

HOST = "pypi.org"
WIDTH = 78


def installed_count() -> int:
    """How many distributions are installed in this environment (what an audit covers)."""
    return len({(d.metadata["Name"] or "").lower() for d in metadata.distributions()})


def warning_box(not_audited: int, reason: str, *, nothing: bool = True) -> str:
    """The unmissable notice that ``not_audited`` packages were not checked."""
    title = "CHECKED NOTHING" if nothing else "DID NOT CHECK EVERYTHING"
    lines = [
        f"WARNING: THE DEPENDENCY AUDIT {title}",
        f"{not_audited} installed packages were NOT audited for known vulnerabilities.",
        f"Reason: the vulnerability data at {HOST} could not be read:",
        reason[: WIDTH - 6],
        "Nothing below says these packages are safe. Re-run `make test` (or",
        "`python scripts/pip_audit.py`) where https://pypi.org is reachable.",
    ]
    bar = "!" * WIDTH
    body = [f"!! {line:<{WIDTH - 6}} !!" for line in lines]
    return "\n".join([bar, *body, bar])


def _not_audited(not_audited: int, reason: str) -> int:
    print(warning_box(not_audited, reason))
    print(f"pip-audit skipped: no network to {HOST}; {not_audited} packages NOT audited")
    return 2 if os.environ.get("PIP_AUDIT_REQUIRED") == "1" else 0


def main() -> int:
    pip_audit = Path(sys.executable).with_name("pip-audit")
    cmd = [str(pip_audit), "--skip-editable", "--progress-spinner", "off", "--format", "json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)  # noqa: S603  # nosec B603
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return _not_audited(installed_count(), last)
    deps = report.get("dependencies", [])
    audited = [d for d in deps if "skip_reason" not in d]
    skipped = [d for d in deps if "skip_reason" in d]
    if not audited:
        reason = skipped[0]["skip_reason"] if skipped else "no dependencies listed"
        return _not_audited(len(deps) or installed_count(), reason)
    vulnerable = [d for d in audited if d.get("vulns")]
    print(
        f"pip-audit: {len(audited)} packages audited, {len(skipped)} skipped, "
        f"{len(vulnerable)} with known vulnerabilities"
    )
    if skipped:
        names = ", ".join(d["name"] for d in skipped[:8]) + (" …" if len(skipped) > 8 else "")
        print(warning_box(len(skipped), f"skipped: {names}", nothing=False))
    for dep in vulnerable:
        ids = ", ".join(v["id"] for v in dep["vulns"])
        print(f"  {dep['name']} {dep['version']}: {ids}")
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
