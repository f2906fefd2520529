"""Benchmark of the BHYT export validator: prints figures side by side (no assertion: figures and ratios).

    python tests/bench/bench_exports.py [--count 20000] [--distinct 200] [--xmlschema-sample 100] [-n 2]

A batch of ``--count`` signed GIAMDINHHS files is generated (``--distinct`` different encounters, each signed once
with the test facility key and written several times: every file verifies), then validated by:

- baseline: decode every NOIDUNGFILE and validate it against the XSD of its table with lxml (no rules);
- ours, --skip-signature: structure, types, formats, codes, linkage, amounts, dates, required tables;
- ours, full: the same plus the facility signature (signxml + scope analysis + certificate path);
- ours, full, each file judged at its own moment (as signing times spread over a month make it): the certificate
  judgement cannot be reused by moment, only by the span between the dates that change it;
- ours, --skip-signature with ``-n`` worker processes (the CLI's batch path, folder streamed);
- xmlschema full mode: the same decode with xmlschema's validation of each table, measured on a sample of
  ``--xmlschema-sample`` files and extrapolated to the batch (said so in the output).

Peak memory: the resident set of this process and of its worker processes (ru_maxrss).
"""

from __future__ import annotations

import argparse
import base64
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lxml import etree

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parent.parent))

from bhyt_builder import envelope, inpatient  # noqa: E402
from conformance.bhyt.spec import load_spec  # noqa: E402
from conformance.bhyt.xsd import lxml_schemas, table_xsd  # noqa: E402
from conformance.bhyt_validate import validate_claim_file  # noqa: E402
from conformance.export_cli import Job, validate_paths  # noqa: E402
from conformance.trust import TrustStore  # noqa: E402
from conformance.xml_safety import DEFAULT_LIMITS  # noqa: E402

MONTH_START = datetime(2026, 3, 1, tzinfo=UTC)


def generate(folder: Path, count: int, distinct: int) -> int:
    """Write ``count`` files from ``distinct`` signed encounters; returns the total size in bytes."""
    templates = []
    for i in range(distinct):
        claim = inpatient(f"LK-{i:06d}", referral=i % 3 == 0, appointment=i % 2 == 0)
        for row in claim.tables["XML2"]:
            row["SO_LUONG"] = str(1 + i % 17)
            row["THANH_TIEN_BV"] = f"{int(row['SO_LUONG']) * float(row['DON_GIA']):.2f}"
        xml1 = claim.tables["XML1"][0]
        t_thuoc = sum(float(r["THANH_TIEN_BV"]) for r in claim.tables["XML2"])
        t_dv = sum(float(r["THANH_TIEN_BV"]) for r in claim.tables["XML3"])
        xml1["T_THUOC"] = f"{t_thuoc:.2f}"
        xml1["T_TONGCHI_BV"] = xml1["T_TONGCHI_BH"] = xml1["T_BHTT"] = f"{t_thuoc + t_dv:.2f}"
        templates.append(envelope(claim))
    total = 0
    for n in range(count):
        data = templates[n % distinct]
        sub = folder / f"{n // 1000:03d}"
        sub.mkdir(exist_ok=True)
        (sub / f"hoso-{n:06d}.xml").write_bytes(data)
        total += len(data)
    return total


def files_of(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.xml"))


def baseline(path: Path, schemas: dict[str, etree.XMLSchema], spec_roots: dict[str, str]) -> bool:
    root = etree.fromstring(path.read_bytes())
    ok = True
    for f in root.iterfind("THONGTINHOSO/DANHSACHHOSO/HOSO/FILEHOSO"):
        table = f.findtext("LOAIHOSO") or ""
        doc = etree.fromstring(base64.b64decode(f.findtext("NOIDUNGFILE") or ""))
        ok = schemas[table].validate(doc) and ok
    return ok


def xmlschema_full(path: Path, schemas: dict[str, object]) -> bool:
    root = etree.fromstring(path.read_bytes())
    ok = True
    for f in root.iterfind("THONGTINHOSO/DANHSACHHOSO/HOSO/FILEHOSO"):
        table = f.findtext("LOAIHOSO") or ""
        text = base64.b64decode(f.findtext("NOIDUNGFILE") or "").decode("utf-8")
        ok = schemas[table].is_valid(text) and ok  # type: ignore[attr-defined]
    return ok


def timed(label: str, paths: list[Path], check: Callable[[Path], bool]) -> tuple[float, int]:
    t0 = time.perf_counter()
    bad = sum(0 if check(p) else 1 for p in paths)
    seconds = time.perf_counter() - t0
    print(f"  {label:<52} {len(paths) / seconds:>9.1f} files/s   ({seconds:.1f} s, {bad} not valid)", flush=True)
    return len(paths) / seconds, bad


def peak_mb() -> tuple[float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return me, children


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--distinct", type=int, default=200)
    parser.add_argument("--xmlschema-sample", type=int, default=100)
    parser.add_argument("-n", dest="jobs", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="keep the generated batch in this folder")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="hsba-bench-")) if args.keep is None else args.keep
    folder.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        size = generate(folder, args.count, min(args.distinct, args.count))
        print(f"batch: {args.count} files, {size / 2**20:.1f} MiB, {min(args.distinct, args.count)} distinct signed "
              f"encounters, generated in {time.perf_counter() - t0:.1f} s")
        paths = files_of(folder)
        trust = TrustStore.test_pki()
        schemas = lxml_schemas()
        roots = {t: s.root for t, s in load_spec().tables.items()}

        print("single process (modes interleaved block by block, so machine load affects them alike):")
        import xmlschema

        xs_schemas = {t: xmlschema.XMLSchema(table_xsd(t).decode()) for t in roots}
        modes: dict[str, Callable[[Path], bool]] = {
            "baseline: base64 + lxml XSD per table": lambda p: baseline(p, schemas, roots),
            "ours --skip-signature": lambda p: validate_claim_file(p, trust=trust, skip_signature=True).verdict
            == "valid",
            "ours full (with the facility signature)": lambda p: validate_claim_file(p, trust=trust).verdict
            == "valid",
            # as files signed at different times are judged: each at its own moment (spread over a month)
            "ours full, each file at its own moment": lambda p: validate_claim_file(
                p, trust=trust, at=MONTH_START + timedelta(minutes=int(p.stem[-6:]) * 2)).verdict == "valid",
        }
        spent = dict.fromkeys(modes, 0.0)
        invalid = dict.fromkeys(modes, 0)
        for start in range(0, len(paths), 250):
            block = paths[start:start + 250]
            for label, check in modes.items():
                t0 = time.perf_counter()
                invalid[label] += sum(0 if check(p) else 1 for p in block)
                spent[label] += time.perf_counter() - t0
        rate = {label: len(paths) / spent[label] for label in modes}
        for label in modes:
            print(f"  {label:<52} {rate[label]:>9.1f} files/s   ({spent[label]:.1f} s, {invalid[label]} not valid)")
        base, skip, full, spread = rate.values()
        bad_skip, bad_full = list(invalid.values())[1:3]
        sample = paths[: args.xmlschema_sample]
        t0 = time.perf_counter()
        base_sample = sum(1 for p in sample if baseline(p, schemas, roots))
        base_sample_s = time.perf_counter() - t0
        xs, _ = timed(f"xmlschema full mode (sample of {len(sample)}, extrapolated)", sample,
                      lambda p: xmlschema_full(p, xs_schemas))
        print(f"  {'(baseline on the same sample)':<52} {len(sample) / base_sample_s:>9.1f} files/s   "
              f"({base_sample} valid)")

        print(f"parallel, -n {args.jobs} (CLI batch path, folder streamed):")
        job = Job("xml130", None, True, True, DEFAULT_LIMITS)
        t0 = time.perf_counter()
        results = sum(1 for r in validate_paths([folder], job, args.jobs) if r.verdict == "valid")
        par = args.count / (time.perf_counter() - t0)
        print(f"  {'ours --skip-signature':<52} {par:>9.1f} files/s   ({results} valid)")
        job_full = Job("xml130", None, True, False, DEFAULT_LIMITS)
        t0 = time.perf_counter()
        results = sum(1 for r in validate_paths([folder], job_full, args.jobs) if r.verdict == "valid")
        par_full = args.count / (time.perf_counter() - t0)
        print(f"  {'ours full':<52} {par_full:>9.1f} files/s   ({results} valid)")

        me, children = peak_mb()
        print("ratios (single process):")
        print(f"  ours --skip-signature / baseline      {skip / base:6.2f}   (target ≥ 0.50)")
        print(f"  ours full / baseline                  {full / base:6.2f}   (target ≥ 0.20)")
        print(f"  ours --skip-signature / xmlschema     {skip / xs:6.1f}   (target ≥ 10; xmlschema's sample rate taken "
              "as its batch rate)")
        print(f"  ours full / xmlschema                 {full / xs:6.1f}   (target ≥ 10; same)")
        print(f"  ours full, own moments / baseline     {spread / base:6.2f}   (certificate judged per file moment)")
        # the sample runs warm and apart from the interleaved blocks: scaling by the baseline measured on the
        # same sample compares like with like
        scale = (len(sample) / base_sample_s) / xs
        print(f"  xmlschema is {scale:.1f}× slower than the baseline on the same sample; through the baseline:")
        print(f"  ours --skip-signature / xmlschema     {skip / base * scale:6.1f}   (target ≥ 10, scaled)")
        print(f"  ours full / xmlschema                 {full / base * scale:6.1f}   (target ≥ 10, scaled)")
        print(f"  parallel -n {args.jobs} / single (skip-signature)  {par / skip:6.2f}")
        print(f"peak memory: this process {me:.0f} MB, largest worker {children:.0f} MB (limit 300 MB)")
        print(f"not valid: {bad_skip} (skip-signature), {bad_full} (full) — every generated file should be valid")
        return 0
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
