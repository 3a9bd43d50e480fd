"""The README's "Production" block, run as written on an empty database.

The block between ``<!-- production:begin -->`` and ``<!-- production:end -->`` runs
in a clean subprocess environment; only ``DATABASE_URL`` (a fresh SQLite file, or a
fresh PostgreSQL database on the server ``DATABASE_URL`` names), ``python``
(this interpreter), Redis's database number and gunicorn's port (``BIND``) are
substituted. gunicorn is started as
written, then the new town admin logs in over HTTP with the one-time password
``create_town`` printed, as the HTTPS proxy would forward it.
"""

import http.client
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[3]
VENV_BIN = Path(sys.executable).parent
HOST = "points.example.gov.cn"


def _readme_steps() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- production:begin -->")[1].split("<!-- production:end -->")[0]
    body = block.split("```sh")[1].split("```")[0]
    return [line for line in body.strip().splitlines() if line.strip()]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _substitute(line: str, database_url: str) -> str:
    line = re.sub(r"DATABASE_URL=\S+", f"DATABASE_URL={shlex.quote(database_url)}", line)
    line = re.sub(r"REDIS_URL=\S+", "REDIS_URL=redis://127.0.0.1:6379/5", line)  # ours
    return re.sub(r"(^|\s)python ", rf"\1{shlex.quote(sys.executable)} ", line)


def _request(port, method, path, *, body=None, headers=None, cookies=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    hdrs = {"Host": HOST, "X-Forwarded-Proto": "https", **(headers or {})}
    if cookies:
        hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    data = json.dumps(body).encode() if body is not None else None
    if data is not None:
        hdrs["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=hdrs)
    resp = conn.getresponse()
    payload = resp.read()
    for header, value in resp.getheaders():
        if header.lower() == "set-cookie" and cookies is not None:
            name, _, rest = value.partition("=")
            cookies[name] = rest.split(";")[0]
    conn.close()
    return resp.status, payload


def _walk(tmp_path: Path, database_url: str) -> None:
    steps = _readme_steps()
    server = [s for s in steps if s.startswith("gunicorn ")]
    assert len(server) == 1, "the block ends by starting gunicorn"
    setup = [s for s in steps if not s.startswith("gunicorn ")]
    env = {
        "PATH": f"{VENV_BIN}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "STATIC_ROOT": str(tmp_path / "static"),  # not in the block: keep var/ untouched
    }
    script = "set -e\n" + "\n".join(_substitute(s, database_url) for s in setup) + "\nenv\n"
    # given: the block's set-up steps, as written, on the empty database
    done = subprocess.run(  # noqa: S603  # nosec B603
        ["/bin/bash", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = re.search(r"one-time password (\S+)", done.stdout)
    assert found is not None, done.stdout
    password = found.group(1)
    exported = dict(
        line.split("=", 1) for line in done.stdout.splitlines() if re.match(r"^[A-Z_]+=", line)
    )
    # when: gunicorn as written, on a free port
    port = _free_port()
    command = _substitute(server[0], database_url)
    proc = subprocess.Popen(  # noqa: S603  # nosec B603
        ["/bin/bash", "-c", "exec " + command],
        cwd=ROOT,
        env={**exported, "BIND": f"127.0.0.1:{port}"},  # gunicorn.conf.py reads it
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = _request(port, "GET", "/api/v1/auth/csrf")
                break
            except OSError:
                assert proc.poll() is None, proc.communicate()[1].decode()[-3000:]
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.3)
        cookies: dict[str, str] = {}
        status, body = _request(port, "GET", "/api/v1/auth/csrf", cookies=cookies)
        token = json.loads(body)["csrf_token"]
        status, body = _request(
            port,
            "POST",
            "/api/v1/auth/login",
            body={"mobile": "13800000003", "password": password},
            headers={"X-CSRFToken": token, "Origin": f"https://{HOST}"},
            cookies=cookies,
        )
        # then: the new town admin is in, in the new town
        assert status == 200, body
        me = json.loads(body)
        assert me["role"] == "town_admin"
        status, body = _request(port, "GET", "/api/v1/me", cookies=cookies)
        assert status == 200 and json.loads(body)["role"] == "town_admin"
        status, _ = _request(port, "GET", "/setup/")
        assert status == 404  # a town exists: the setup page is gone
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_readme_production_steps_work_on_an_empty_sqlite_database(tmp_path):
    _walk(tmp_path, f"sqlite:///{tmp_path / 'walk.sqlite3'}")


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="DATABASE_URL does not point at PostgreSQL",
)
def test_readme_production_steps_work_on_an_empty_postgresql_database(tmp_path):
    import psycopg

    parts = urlsplit(os.environ["DATABASE_URL"])
    name = f"{parts.path.lstrip('/') or 'civicpoints'}_readme_walk"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        _walk(tmp_path, urlunsplit(parts._replace(path=f"/{name}")))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
