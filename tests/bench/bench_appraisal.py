"""Benchmark of the harness: prints figures and ratios (run with `tox -e bench`).

    python tests/bench/bench_appraisal.py [--rounds N]

- catalogue load: the criteria folder parsed and schema-checked;
- evidence: redacted, content-addressed HTTP exchanges written per second;
- appraisal of the reference EMR: the whole demo, serial and with 2 workers, and per-criterion times.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from conformance.criteria_loader import load_catalogue
from conformance.evidence import EvidenceStore


def bench_catalogue(rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        load_catalogue()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def bench_evidence(count: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        store = EvidenceStore(Path(tmp), {"secret-password-1"})
        evidence = store.collector()
        body = json.dumps({"id": "ent-1", "text": "Diễn biến bệnh " * 20, "token": "tok-abcdef"}).encode()
        t0 = time.perf_counter()
        for i in range(count):
            exchange = {"kind": "http-exchange", "started": "2026-01-15T00:00:00+00:00", "elapsed_ms": 1.0,
                        "request": {"method": "GET", "url": f"https://127.0.0.1:1/api/entries/{i}",
                                    "headers": {"Authorization": "Bearer tok-abcdef"}},
                        "response": {"status": 200, "headers": {"Content-Type": "application/json"}}}
            evidence.record_exchange(exchange, None, body + str(i).encode(), frozenset())
        return count / (time.perf_counter() - t0)


def bench_demo(jobs: int) -> tuple[float, dict[str, object]]:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "conformance", "demo", "--out", "out", "--date", "2026-01-15",
                               "-n", str(jobs)], cwd=tmp, capture_output=True, text=True, timeout=600)
        elapsed = time.perf_counter() - t0
        if proc.returncode != 0:
            raise SystemExit(f"demo failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        results = json.loads((Path(tmp) / "out" / "results.json").read_text(encoding="utf-8"))
        exchanges = sum(1 for _ in (Path(tmp) / "out" / "evidence").rglob("*.json"))
        results["_files"] = exchanges
        return elapsed, results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"catalogue load (median of 20):        {bench_catalogue(20):8.1f} ms")
    rate = bench_evidence(2000)
    print(f"evidence store, redacted exchanges:   {rate:8.0f} /s  ({1e6 / rate:.0f} µs each)")
    serial = [bench_demo(1) for _ in range(args.rounds)]
    parallel = [bench_demo(2) for _ in range(args.rounds)]
    s_med = statistics.median(t for t, _ in serial)
    p_med = statistics.median(t for t, _ in parallel)
    results = serial[0][1]
    durations = sorted((c["duration_ms"], c["id"]) for c in results["criteria"])  # type: ignore[index, union-attr]
    in_criteria = sum(d for d, _ in durations) / 1000
    print(f"demo, whole command, serial (median of {args.rounds}): {s_med:6.2f} s")
    print(f"demo, whole command, -n 2   (median of {args.rounds}): {p_med:6.2f} s   "
          f"ratio serial/-n2 = {s_med / p_med:.2f}")
    print(f"time inside criteria (serial run):    {in_criteria:8.2f} s = {in_criteria / s_med:.0%} of the command")
    print(f"per criterion: median {statistics.median(d for d, _ in durations):.0f} ms, "
          f"slowest {durations[-1][1]} {durations[-1][0]:.0f} ms, fastest {durations[0][1]} {durations[0][0]:.0f} ms")
    print(f"evidence files written per demo:      {results['_files']:8d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
