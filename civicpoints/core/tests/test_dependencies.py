"""The dependency audit says loudly when it checked nothing; the lock file pins every
dependency of pyproject.toml (dev extra included) with hashes."""

import importlib.util
import json
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[3]


def _script():
    spec = importlib.util.spec_from_file_location("pip_audit_script", ROOT / "scripts/pip_audit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fake_run(stdout, stderr=""):
    def run(*args, **kwargs):
        return subprocess.CompletedProcess(args, 1, stdout=stdout, stderr=stderr)

    return run


def test_an_unreachable_vulnerability_database_is_a_boxed_warning_with_the_count(
    monkeypatch, capsys
):
    # given pip-audit could not reach pypi.org at all
    script = _script()
    monkeypatch.setattr(script.subprocess, "run", _fake_run("", "ConnectionError: no route"))
    monkeypatch.delenv("PIP_AUDIT_REQUIRED", raising=False)
    # when
    code = script.main()
    # then: not a quiet skip line, a box that says nothing was checked and how much
    out = capsys.readouterr().out
    assert code == 0
    assert "WARNING: THE DEPENDENCY AUDIT CHECKED NOTHING" in out
    assert f"{script.installed_count()} installed packages were NOT audited" in out
    assert "ConnectionError: no route" in out


def test_every_package_skipped_counts_as_not_audited_and_can_fail_the_build(monkeypatch, capsys):
    # given pip-audit answered, but skipped every package (a mirror without the JSON API)
    script = _script()
    report = {
        "dependencies": [
            {"name": f"p{i}", "version": "1", "skip_reason": "Dependency not found on PyPI"}
            for i in range(7)
        ]
    }
    monkeypatch.setattr(script.subprocess, "run", _fake_run(json.dumps(report)))
    monkeypatch.setenv("PIP_AUDIT_REQUIRED", "1")
    # when
    code = script.main()
    # then
    out = capsys.readouterr().out
    assert code == 2
    assert "7 installed packages were NOT audited" in out


def test_a_real_audit_reports_vulnerabilities_and_fails(monkeypatch, capsys):
    script = _script()
    report = {
        "dependencies": [
            {"name": "django", "version": "5.2", "vulns": [{"id": "PYSEC-1"}]},
            {"name": "ok", "version": "1", "vulns": []},
        ]
    }
    monkeypatch.setattr(script.subprocess, "run", _fake_run(json.dumps(report)))
    assert script.main() == 1
    out = capsys.readouterr().out
    assert "2 packages audited, 0 skipped, 1 with known vulnerabilities" in out
    assert "WARNING" not in out


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


@pytest.mark.parametrize("group", ["dependencies", "dev"])
def test_the_lock_file_pins_every_dependency_with_hashes(group):
    # given pyproject's dependencies (and its dev extra) and requirements.lock
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = (
        project["dependencies"]
        if group == "dependencies"
        else project["optional-dependencies"]["dev"]
    )
    lock = (ROOT / "requirements.lock").read_text()
    pinned = {
        m.group(1).lower().replace("_", "-"): m.group(2)
        for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==(\S+) \\$", lock, re.M)
    }
    # then every one is pinned (run `make lock` after changing pyproject.toml)
    assert sorted(_name(r) for r in wanted if _name(r) not in pinned) == []
    blocks = re.findall(
        r"^[A-Za-z0-9_.\-]+==\S+ \\\n((?:\s+--hash=sha256:\w+(?: \\)?\n)+)", lock, re.M
    )
    assert len(blocks) == len(pinned)
