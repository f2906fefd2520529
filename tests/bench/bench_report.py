"""Benchmark of the report step: prints figures and ratios.

    python tests/bench/bench_report.py [--rounds N] [--out DIR]

Runs the demo once (or reuses DIR with a results.json from a run), then times, median of N rounds:
report.html, report.pdf (unsigned), the PAdES signature with a test timestamp, bundle.zip with its signed
manifest, and `hsba verify` of that bundle (in-process, against the test trust folder). Also prints how the
PDF's size and the bundle's size compare with the evidence they carry.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance.bundle import write_bundle
from conformance.messages import Msg
from conformance.report_html import render_html
from conformance.report_pdf import render_pdf
from conformance.report_sign import demo_signing, load_signer, sign_pdf
from conformance.trust import TrustStore
from conformance.verify_bundle import verify_bundle


def _median_ms(rounds: int, work: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(rounds):
        t0 = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, help="an output folder with results.json (default: run the demo)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "out"
        if args.out is None:
            subprocess.run([sys.executable, "-m", "conformance", "demo", "--out", str(out), "--date", "2026-01-15"],
                           check=False, capture_output=True, cwd=tmp, timeout=600)
        document = json.loads((out / "results.json").read_text(encoding="utf-8"))
        signer = load_signer(demo_signing())
        trust = TrustStore.test_pki()
        html_ms, html = _median_ms(args.rounds, lambda: render_html(document))
        pdf_ms, pdf = _median_ms(args.rounds, lambda: render_pdf(document))
        sign_ms, signed = _median_ms(args.rounds, lambda: sign_pdf(pdf, signer, reason=Msg("ký", "sign"),
                                                                   location="Hà Nội"))
        (out / "report.pdf").write_bytes(signed)
        bundle_ms, bundle = _median_ms(args.rounds, lambda: write_bundle(out, document, signer))
        verify_ms, check = _median_ms(args.rounds, lambda: verify_bundle(bundle, trust))
        evidence = sum(p.stat().st_size for p in (out / "evidence").rglob("*") if p.is_file())
        criteria = len(document["criteria"])
        print(f"criteria in results.json        {criteria}")
        print(f"report.html render              {html_ms:8.1f} ms  ({len(html) / 1024:.0f} KiB)")
        print(f"report.pdf render               {pdf_ms:8.1f} ms  ({len(pdf) / 1024:.0f} KiB)")
        print(f"PAdES sign + test timestamp     {sign_ms:8.1f} ms")
        print(f"bundle.zip + signed manifest    {bundle_ms:8.1f} ms  ({bundle.stat().st_size / 1024:.0f} KiB, "
              f"{check.files_checked} files)")
        print(f"hsba verify (in-process)        {verify_ms:8.1f} ms  ({'ok' if check.ok else 'NOT ok'})")
        print(f"ratio pdf render / html render  {pdf_ms / html_ms:8.1f}")
        print(f"ratio verify / bundle           {verify_ms / bundle_ms:8.2f}")
        print(f"ratio bundle size / evidence    {bundle.stat().st_size / max(evidence, 1):8.2f}")
        print(f"report step per criterion       {(html_ms + pdf_ms + sign_ms + bundle_ms) / criteria:8.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
