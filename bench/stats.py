"""Small helpers: min/median/max of runs, and a bounded HTTP load generator."""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


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


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(round(p / 100 * (len(data) - 1))))] * 1000


def _client_loop(
    port: int,
    method: str,
    paths: list[str],
    headers: dict,
    deadline: float,
    budget: int,
    body: bytes = b"",
) -> tuple[list[float], int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    lat: list[float] = []
    errors = 0
    statuses: dict = {}
    n = 0
    while time.time() < deadline and n < budget:
        began = time.perf_counter()
        try:
            conn.request(
                method,
                paths[n % len(paths)],
                body=body if method == "POST" else None,
                headers=headers,
            )
            resp = conn.getresponse()
            resp.read()
            statuses[resp.status] = statuses.get(resp.status, 0) + 1
            if resp.status >= 300:  # a redirect is not the page asked for
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        lat.append(time.perf_counter() - began)
        n += 1
    conn.close()
    return lat, errors, statuses


def _process_main(port, method, client_specs, deadline, budget, body=b""):
    """One load process: a thread per client spec (paths, headers)."""
    out: list = [None] * len(client_specs)

    def run(i):
        paths, headers = client_specs[i]
        out[i] = _client_loop(port, method, paths, headers, deadline, budget, body)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(client_specs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def load(
    *,
    port: int,
    method: str,
    clients: list[tuple[list[str], dict]],
    seconds: float,
    processes: int = 2,
    max_requests: int = 200_000,
    body: bytes = b"",
) -> LoadResult:
    """Drive 127.0.0.1:``port`` with one keep-alive connection per client for ``seconds``.

    ``clients`` is a list of (paths to cycle through, headers). Clients are
    spread over ``processes`` OS processes so the generator is not held back by
    one interpreter lock. Bounded twice: by time and by ``max_requests``. A
    status ≥ 300 or a connection error counts as an error.
    """
    import multiprocessing as mp

    result = LoadResult()
    budget = max(1, max_requests // max(1, len(clients)))
    deadline = time.time() + seconds
    groups = [clients[i::processes] for i in range(processes) if clients[i::processes]]
    began = time.perf_counter()
    ctx = mp.get_context("fork")
    with ctx.Pool(len(groups)) as pool:
        parts = pool.starmap(
            _process_main, [(port, method, g, deadline, budget, body) for g in groups]
        )
    result.seconds = time.perf_counter() - began
    for part in parts:
        for lat, errors, statuses in part:
            result.latencies.extend(lat)
            result.errors += errors
            for k, v in statuses.items():
                result.statuses[k] = result.statuses.get(k, 0) + v
    result.requests = len(result.latencies)
    return result
