"""The HTTP load generator: wrk (C, Debian's ``wrk`` package), bounded in time, 127.0.0.1 only.

A Python load generator shares the 2 cores with the server and measures
itself as much as the server (issue 17); wrk spends a small fraction of a core
for the same load.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).with_name("wrk_driver.lua")


class WrkMissing(RuntimeError):
    pass


def ensure_wrk() -> str:
    """The wrk binary; installed from Debian's packages when missing and we are root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, check=False)  # noqa: S607
        found = shutil.which("wrk")
        if not found:
            subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)  # noqa: S607
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, check=False)  # noqa: S607
            found = shutil.which("wrk")
    if not found:
        raise WrkMissing("wrk is not installed: apt-get install wrk (make bench does)")
    return found


@dataclass
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    socket_errors: int
    bad_status: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.socket_errors + self.bad_status


def wrk(
    *,
    port: int,
    requests: list[tuple[str, str, str]],
    seconds: int,
    connections: int = 8,
    threads: int = 2,
) -> WrkResult:
    """Drive ``http://127.0.0.1:port`` for ``seconds`` with keep-alive connections.

    ``requests`` is a list of (method, path, cookie header or ""); each wrk
    thread cycles through its share. Nothing but 127.0.0.1 is ever addressed.
    """
    binary = ensure_wrk()
    if not requests:
        raise ValueError("no requests to send")
    # every wrk thread needs a share: a thread with none would hold its
    # connections open and send nothing, starving the sync workers
    while len(requests) < threads:
        requests = requests * 2
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as f:
        for method, path, cookie in requests:
            f.write(f"{method}\t{path}\t{cookie}\n")
        name = f.name
    try:
        out = subprocess.run(  # noqa: S603 - wrk with our own arguments
            [
                binary,
                f"-t{threads}",
                f"-c{connections}",
                f"-d{max(1, int(seconds))}s",
                "--timeout",
                "30s",
                "-s",
                str(SCRIPT),
                f"http://127.0.0.1:{port}/",
                "--",
                name,
                str(threads),
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 60,
        )
    finally:
        os.unlink(name)
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("WRK_JSON "))
    return WrkResult(**json.loads(line[len("WRK_JSON ") :]))
