"""Benchmark 4, API list throughput: `/api/v1/lots/?page_size=100` under gunicorn.

    .venv/bin/python -m bench.api_list [--lots 300] [--clients 8] [--seconds 10] [--json out]

Data: 300 lots made and released through the services (one order, one shipment).

Server: gunicorn with 2 sync workers (as the Dockerfile runs it, fewer workers), settings
`bench.settings`: the app's settings with `bench.urls`, which adds the baseline view
`/bench/bare-lots/`: the same page built by a bare Django view (`values()`, `JsonResponse`; no
DRF, no authentication). Before timing, both answers are fetched and must be the same JSON.

Load: `--clients` threads in this process, each with its own `http.client` connection (gunicorn's
sync workers close the connection after each answer; the client reconnects), sending requests
back to back for `--seconds` after a 2-second warm-up; the tracker's requests carry a ministry
officer's API token. The figure is requests per second; any answer but 200 or any exception is
an error. The bare view is measured first, then the tracker, on the same server.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time

from bench.common import ROOT, Figure, api_key, benchmark_database, django_env, people, say

TARGET_RATIO = 0.5
TRACKER_PATH = "/api/v1/lots/?page_size=100"
BARE_PATH = "/bench/bare-lots/"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.api_list", description=__doc__)
    parser.add_argument("--lots", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--json", default="")
    args = parser.parse_args(argv)
    with benchmark_database("api") as url:
        figure = run(url, args.lots, args.clients, args.seconds)
    if args.json:
        figure.write(args.json)
    return 0


def run(url: str, lots: int, clients: int, seconds: float) -> Figure:
    from bench.common import released_lots

    officer, _clerk = people()
    released_lots([1_000] * lots, officer)
    key = api_key(officer)
    port = _free_port()
    server = _gunicorn(url, port)
    try:
        headers = {"Authorization": f"Bearer {key}"}
        tracker_body = _get(port, TRACKER_PATH, headers)
        bare_body = _get(port, BARE_PATH, {})
        same = json.loads(tracker_body) == json.loads(bare_body)
        assert same, "the bare view does not answer the same JSON as the API"
        bare = _load(port, BARE_PATH, {}, clients, seconds)
        tracker = _load(port, TRACKER_PATH, headers, clients, seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    say(
        f"  tracker {tracker['rps']:.0f} req/s ({tracker['errors']} errors), "
        f"bare view {bare['rps']:.0f} req/s ({bare['errors']} errors)"
    )
    ratio = bare["rps"] / tracker["rps"] if tracker["rps"] else float("inf")
    return Figure(
        number=4,
        name="API lots list, 100 a page (gunicorn, 2 workers)",
        unit="req/s",
        tracker=tracker["rps"],
        baseline=bare["rps"],
        ratio=ratio,
        target=">= 0.5x the bare view's req/s, 0 errors",
        met=tracker["rps"] >= TARGET_RATIO * bare["rps"] and tracker["errors"] == 0,
        details={
            "clients": clients,
            "seconds": seconds,
            "tracker": tracker,
            "bare": bare,
            "same_json": same,
            "answer_bytes": len(tracker_body),
        },
    )


def _gunicorn(url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, **django_env(url), "DJANGO_SETTINGS_MODULE": "bench.settings"}
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            _get(port, "/bench/bare-lots/", {})
            return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 60 s")


def _get(port: int, path: str, headers: dict) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"GET {path}: {response.status} {body[:300]!r}")
        return body
    finally:
        connection.close()


def _load(port: int, path: str, headers: dict, clients: int, seconds: float) -> dict:
    """Requests per second over `seconds`, after a 2-second warm-up, from `clients` threads."""
    counts = [[0, 0] for _ in range(clients)]  # per thread: answered 200, errors
    start = time.perf_counter() + 2.0
    stop = start + seconds

    def client(slot: list[int]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while (now := time.perf_counter()) < stop:
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                connection.close()
                ok = False
            if now >= start:
                slot[0 if ok else 1] += 1
        connection.close()

    threads = [threading.Thread(target=client, args=(slot,)) for slot in counts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answered = sum(slot[0] for slot in counts)
    errors = sum(slot[1] for slot in counts)
    return {"rps": answered / seconds, "requests": answered, "errors": errors}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
