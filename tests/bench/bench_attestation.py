"""Benchmark of the council's attestation: prints figures and ratios.

    python tests/bench/bench_attestation.py [--mb 64] [--rounds 3]

- loading the shipped example attestation (every manual and mixed criterion, evidence hashed);
- hashing and copying one large evidence file (e.g. a scanned dossier) into the evidence store, in MB/s;
- writing the attestation template for the current profile.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from conformance.attestation import load_attestation
from conformance.attestation_template import template
from conformance.criteria_loader import load_catalogue
from conformance.evidence import EvidenceStore
from conformance.resources import data_path


def _median_ms(rounds: int, action: object) -> float:
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        action()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=64, help="size of the large evidence file")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    catalogue = load_catalogue()
    profile = catalogue.profiles["tt13-2025"]
    example = data_path("fixtures", "attestation", "example-tt13-2025.yaml")

    load_ms = _median_ms(args.rounds, lambda: load_attestation(example, catalogue, profile))
    entries = len(load_attestation(example, catalogue, profile).entries)
    template_ms = _median_ms(args.rounds, lambda: template(catalogue, profile, date(2026, 1, 15)))
    print(f"example attestation: {entries} entries loaded and checked in {load_ms:.1f} ms "
          f"({load_ms / entries:.2f} ms per entry)")
    print(f"attest init template: {template_ms:.1f} ms")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        big = folder / "scan.pdf"
        with big.open("wb") as fh:
            for _ in range(args.mb):
                fh.write(os.urandom(1024 * 1024))
        att = folder / "att.yaml"
        att.write_text('profile: tt13-2025\ndate: 2026-01-10\ncouncil: [{name: "A", role: "Chair"}]\n'
                       "attestations:\n  - {id: HT-09, verdict: pass, evidence: [scan.pdf]}\n", encoding="utf-8")
        hash_ms = _median_ms(args.rounds, lambda: load_attestation(att, catalogue, profile))
        loaded = load_attestation(att, catalogue, profile)
        copy_times = []
        for i in range(args.rounds):
            store = EvidenceStore(folder / f"out{i}")
            t0 = time.perf_counter()
            loaded.store(store)
            copy_times.append(time.perf_counter() - t0)
        copy_ms = statistics.median(copy_times) * 1000
    print(f"large evidence file ({args.mb} MB): hashed in {hash_ms:.0f} ms ({args.mb / hash_ms * 1000:.0f} MB/s), "
          f"copied into the store in {copy_ms:.0f} ms ({args.mb / copy_ms * 1000:.0f} MB/s); "
          f"copy/hash ratio {copy_ms / hash_ms:.2f}")


if __name__ == "__main__":
    main()
