"""Benchmark of the PDF signature validator (in-process): prints figures and ratios to the targets.

    python tests/bench/bench_signatures.py [--rounds N] [--big N]

- documents of 1–5 signatures (each with a timestamp, then the CRLs embedded): median time per signature of
  a full validation (target ≤ 40 ms per signature);
- one document of 50 signatures (target ≤ 6 s for the whole document);
- the same 50-signature document with pyHanko's default change analysis (each signature reviews every later
  revision: O(n²)) for comparison, and the number of revision comparisons each way.
"""

from __future__ import annotations

import argparse
import statistics
import time

from conformance.adapters.reference import documents as d
from conformance.adapters.reference import pdf_signing as ps
from conformance.pdf_revisions import pyhanko_default_review
from conformance.pdfsig import revision_steps_compared, verify_pdf_signatures
from conformance.signing_policy import load_policy
from conformance.trust import TrustStore

TARGET_PER_SIGNATURE_MS = 40.0
TARGET_FIFTY_S = 6.0
CONTENT = d.DocumentContent("phieu-dieu-tri", "Phiếu điều trị", "Người bệnh thử", "E-BENCH", "Khoa Nội",
                            ("Diễn biến bệnh: ổn định.",), ("Bác sĩ điều trị",))
ROLES = ["bac_si", "dieu_duong", "truong_khoa", "giam_doc", "co_so"]


def signed(count: int) -> bytes:
    steps = [ps.SignStep(ROLES[i % len(ROLES)], f"Sig{i}", "bench") for i in range(count)]
    return ps.sign_all(d.render(CONTENT, "bench"), steps)


def validate(data: bytes, trust: TrustStore) -> float:
    policy = load_policy()
    t0 = time.perf_counter()
    result = verify_pdf_signatures(data, name="bench.pdf", trust=trust, constraints=policy.constraints,
                                   known_titles=policy.known_titles, time_limit=600)
    elapsed = time.perf_counter() - t0
    if result.verdict != "valid":
        raise SystemExit(f"benchmark document not valid: {result.to_json()}")
    return elapsed


def pyhanko_default_analysis(data: bytes) -> tuple[float, int]:
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    t0 = time.perf_counter()
    comparisons = 0
    for emb in reader.embedded_signatures:
        emb.compute_integrity_info(skip_diff=True)
        if emb.coverage is not None and emb.coverage.name == "ENTIRE_REVISION":
            pyhanko_default_review(emb)
            comparisons += reader.xrefs.total_revisions - 1 - emb.signed_revision
    return time.perf_counter() - t0, comparisons


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--big", type=int, default=50)
    args = parser.parse_args()
    trust = TrustStore.test_pki()
    validate(signed(1), trust)  # warm-up: imports, font, caches
    print("Chữ ký PDF / PDF signatures — validation in-process, median of "
          f"{args.rounds} rounds (target ≤ {TARGET_PER_SIGNATURE_MS:.0f} ms per signature)")
    medians = []
    for n in range(1, 6):
        data = signed(n)
        per_sig = statistics.median(validate(data, trust) for _ in range(args.rounds)) / n * 1000
        medians.append(per_sig)
        ratio = per_sig / TARGET_PER_SIGNATURE_MS
        print(f"  {n} signature(s): {per_sig:7.1f} ms/signature   ratio to target {ratio:.2f}")
    worst = max(medians)
    print(f"  worst median: {worst:.1f} ms/signature (ratio {worst / TARGET_PER_SIGNATURE_MS:.2f})")

    t0 = time.perf_counter()
    big = signed(args.big)
    print(f"\n{args.big}-signature document ({len(big) // 1024} KiB, signed in {time.perf_counter() - t0:.1f} s)")
    whole = validate(big, trust)
    ours = revision_steps_compared(big)
    print(f"  full validation: {whole:6.2f} s   ratio to target ({TARGET_FIFTY_S:.0f} s) {whole / TARGET_FIFTY_S:.2f}"
          f"   revision comparisons: {ours}")
    default_time, default_comparisons = pyhanko_default_analysis(big)
    print(f"  pyHanko default change analysis alone: {default_time:6.2f} s   revision comparisons: "
          f"{default_comparisons}")
    print(f"  ratio full validation / pyHanko default analysis: {whole / default_time:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
