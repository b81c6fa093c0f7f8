"""Load on `tonecls serve`: /api/classify latency, throughput with 8 client threads, /api/score with 1,000 texts.

The server runs as `python -m tonecls serve --port 0` in a subprocess, so the client
threads do not share its interpreter lock. All traffic stays on 127.0.0.1 and every
loop is bounded by a count or a deadline. Timings come from one run on one machine:
compare them with another run here, not with another machine's.

Usage: python benchmarks/serve_load.py [--requests 1000] [--seconds 20] [--threads 8] [--texts 1000] [--model PATH]
"""

from __future__ import annotations

import argparse
import http.client
import json
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, generated_statements, load_corpus, machine, write_results  # noqa: E402

from tonecls.model_file import default_model_path  # noqa: E402

START_TIMEOUT = 120  # seconds the server may take to load the model and print its address


class Server:
    """`tonecls serve` on 127.0.0.1 and a free port, in a subprocess stopped with Ctrl-C (SIGINT) at the end."""

    def __init__(self, model: Path):
        cmd = [sys.executable, "-m", "tonecls", "serve", "--host", "127.0.0.1", "--port", "0", "-q"]
        self.proc = subprocess.Popen(
            [*cmd, "--model", str(model)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        watchdog = threading.Timer(START_TIMEOUT, self.proc.kill)  # a server that never starts cannot hang us
        watchdog.start()
        try:
            self.port = self._read_port()
        finally:
            watchdog.cancel()
        self.errors: list[str] = []  # what the server logs from now on: its one-line internal errors
        threading.Thread(target=self._drain, daemon=True).start()

    def _read_port(self) -> int:
        for line in self.proc.stderr:
            if line.startswith("serving http://127.0.0.1:"):
                return int(line.split("127.0.0.1:", 1)[1].split("/", 1)[0])
        self.proc.wait()
        raise SystemExit(f"tonecls serve stopped before serving (exit code {self.proc.returncode})")

    def _drain(self) -> None:
        for line in self.proc.stderr:
            self.errors.append(line.rstrip("\n"))

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def post(port: int, path: str, payload: dict) -> tuple[int, bytes]:
    """(status, body) of one POST on a fresh connection, as a browser or curl makes it."""
    body = json.dumps(payload).encode("utf-8")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", path, body, {"Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def timed_post(port: int, path: str, payload: dict) -> tuple[float, bool]:
    """(seconds, answered 200) of one request; a reset or a refusal counts as an error, not a crash."""
    start = time.perf_counter()
    try:
        ok = post(port, path, payload)[0] == 200
    except OSError:
        ok = False
    return time.perf_counter() - start, ok


def summary(latencies: list[float], errors: int, seconds: float) -> dict:
    """Percentiles in milliseconds and requests per second."""
    cuts = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else latencies * 99
    return {
        "requests": len(latencies),
        "errors": errors,
        "p50_ms": cuts[49] * 1000,
        "p95_ms": cuts[94] * 1000,
        "p99_ms": cuts[98] * 1000,
        "per_second": len(latencies) / seconds,
    }


def sequential(port: int, texts: list[str], n: int) -> dict:
    for text in texts[:10]:  # warm-up: page cache, first-call costs
        timed_post(port, "/api/classify", {"text": text})
    latencies, errors = [], 0
    start = time.perf_counter()
    for i in range(n):
        seconds, ok = timed_post(port, "/api/classify", {"text": texts[i % len(texts)]})
        latencies.append(seconds)
        errors += not ok
    return summary(latencies, errors, time.perf_counter() - start)


def concurrent(port: int, texts: list[str], threads: int, seconds: float) -> dict:
    """Each thread sends /api/classify requests back to back until the deadline."""
    deadline = time.perf_counter() + seconds
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors = [0] * threads

    def client(k: int) -> None:
        i = k
        while time.perf_counter() < deadline:
            took, ok = timed_post(port, "/api/classify", {"text": texts[i % len(texts)]})
            latencies[k].append(took)
            errors[k] += not ok
            i += threads

    workers = [threading.Thread(target=client, args=(k,)) for k in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    result = summary([t for per in latencies for t in per], sum(errors), time.perf_counter() - start)
    return {"threads": threads, "seconds": seconds, **result}


def score(port: int, texts: list[str], *, evidence: bool, runs: int) -> dict:
    """One /api/score request with all the texts, repeated ``runs`` times; the median time."""
    times, rows, errors = [], 0, 0
    for _ in range(runs):
        start = time.perf_counter()
        status, body = post(port, "/api/score", {"texts": texts, "evidence": evidence})
        times.append(time.perf_counter() - start)
        if status == 200:
            rows = len(json.loads(body)["results"])
        else:
            errors += 1
    median = statistics.median(times)
    return {"texts": len(texts), "runs": runs, "errors": errors, "rows": rows, "seconds": median,
            "texts_per_second": len(texts) / median}  # fmt: skip


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=default_model_path())
    parser.add_argument("--requests", type=int, default=1000, help="sequential /api/classify requests")
    parser.add_argument("--seconds", type=float, default=20.0, help="duration of the concurrent run")
    parser.add_argument("--threads", type=int, default=8, help="client threads in the concurrent run")
    parser.add_argument("--texts", type=int, default=1000, help="texts in the /api/score request (1,000 at most)")
    parser.add_argument("--runs", type=int, default=3, help="repeats of the /api/score request")
    parser.add_argument("--out-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    texts = generated_statements(load_corpus(), max(args.texts, 200), seed=0)
    info = machine()
    print(f"# Serving load ({info['date']}, {info['cores']} cores, {info['cpu']})\n")
    print(f"`tonecls serve` on 127.0.0.1 in a subprocess; model {args.model}; statements of about 45 words;")
    print("one connection per request (the server speaks HTTP/1.0)\n")

    server = Server(args.model)
    try:
        seq = sequential(server.port, texts, args.requests)
        conc = concurrent(server.port, texts, args.threads, args.seconds)
        batch = score(server.port, texts[: args.texts], evidence=False, runs=args.runs)
        with_evidence = score(server.port, texts[: args.texts], evidence=True, runs=1)
    finally:
        server.stop()

    print("| case | requests | errors | p50 ms | p95 ms | p99 ms | throughput |")
    print("|---|---|---|---|---|---|---|")
    for name, r in [
        ("/api/classify, sequential", seq),
        (f"/api/classify, {args.threads} threads for {args.seconds:g} s", conc),
    ]:
        print(
            f"| {name} | {r['requests']:,} | {r['errors']} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} "
            f"| {r['p99_ms']:.1f} | {r['per_second']:,.0f} requests/s |"
        )
    for name, r in [
        (f"/api/score, {batch['texts']:,} texts in one request", batch),
        ("the same with evidence", with_evidence),
    ]:
        ms = r["seconds"] * 1000
        runs = f"median of {r['runs']}" if r["runs"] > 1 else "one run"
        print(
            f"| {name} ({runs}) | {r['runs']} | {r['errors']} | {ms:.0f} | | | {r['texts_per_second']:,.0f} texts/s |"
        )
    if server.errors:
        print(f"\nthe server logged {len(server.errors)} internal errors, the first: {server.errors[0]}")
    results = {
        "model": str(args.model),
        "sequential": seq,
        "concurrent": conc,
        "score": batch,
        "score_with_evidence": with_evidence,
        "server_errors": server.errors,
    }
    print(f"\nwrote {write_results('serve_load', results, args.out_dir)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
