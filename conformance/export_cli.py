"""``hsba validate-export PATH ... [--format auto|xml130|cv365] [--trust DIR] [--skip-signature] [-n JOBS] [--json]``

Kiểm tra tệp dữ liệu xuất: gói hồ sơ BHYT (GIAMDINHHS, QĐ 130/4750/3176) hoặc hồ sơ bệnh án theo Công văn 365.

Files or folders; a folder is walked file by file (sorted), never loaded at once. With ``-n`` the files are
shared among worker processes in chunks; results come back in input order and are printed as they arrive.
Exit codes (DESIGN.md): 0 every file valid, 1 any file invalid or error, 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.findings import FileResult
from conformance.messages import Msg
from conformance.trust import TrustStore, TrustStoreError
from conformance.xml_safety import DEFAULT_LIMITS, Limits

FORMATS = ("auto", "xml130", "cv365")
EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def add_parser(sub: Any) -> None:
    p = sub.add_parser("validate-export", help="kiểm tra tệp xuất BHYT / CV 365 — validate export files")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="tệp hoặc thư mục / files or folders")
    p.add_argument("--format", choices=FORMATS, default="auto")
    p.add_argument("--trust", type=Path, help="thư mục tin cậy (CA, crl/, ocsp/) / trust folder")
    p.add_argument("--skip-signature", action="store_true", help="bỏ qua kiểm tra chữ ký / skip the signatures")
    p.add_argument("-n", dest="jobs", type=int, default=1, help="số tiến trình / worker processes")
    p.add_argument("--json", action="store_true", help="kết quả JSON / JSON output")
    p.add_argument("--max-file-mb", type=float, default=DEFAULT_LIMITS.max_file_bytes / 2**20,
                   help="giới hạn kích thước mỗi tệp (MB) / per-file size limit (MB)")
    p.add_argument("--max-seconds", type=float, default=DEFAULT_LIMITS.max_seconds,
                   help="giới hạn thời gian mỗi tệp (giây) / per-file time limit (seconds)")


@dataclass(frozen=True)
class Job:
    fmt: str
    trust_dir: str | None
    test_pki: bool
    skip_signature: bool
    limits: Limits


_STATE: dict[str, Any] = {}


def _init(job: Job) -> None:
    _STATE["job"] = job
    _STATE["trust"] = (TrustStore.load(job.trust_dir) if job.trust_dir else
                       TrustStore.test_pki() if job.test_pki else None)


def sniff(head: bytes) -> str:
    """``cv365`` for a JSON document or an XML root ``HoSoBenhAn``; else ``xml130``."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] in (b"{", b"["):
        return "cv365"
    pos = 0
    while True:
        start = text.find(b"<", pos)
        if start < 0 or start + 1 >= len(text):
            return "xml130"
        if text[start + 1:start + 2] in (b"?", b"!"):
            pos = start + 2
            continue
        name = text[start + 1:start + 80].split(maxsplit=1)[0].split(b">")[0].split(b"/")[0]
        return "cv365" if name.split(b":")[-1] == b"HoSoBenhAn" else "xml130"


def validate_one(path: str) -> FileResult:
    job: Job = _STATE["job"]
    try:
        fmt = job.fmt
        if fmt == "auto":
            with open(path, "rb") as handle:
                fmt = sniff(handle.read(4096))
        if fmt == "cv365":
            return _cv365(path, job.limits)
        from conformance.bhyt_validate import validate_claim_file

        return validate_claim_file(path, name=path, trust=_STATE["trust"], skip_signature=job.skip_signature,
                                   limits=job.limits)
    except Exception as exc:  # a verdict, never a crash
        return FileResult(file=path, message=Msg(f"lỗi: {type(exc).__name__}: {exc}",
                                                 f"error: {type(exc).__name__}: {exc}"))


def _cv365(path: str, limits: Limits) -> FileResult:
    try:
        from conformance import cv365  # the CV 365 validator (issue 3, part B)
    except ImportError:
        return FileResult(file=path, format="cv365", message=Msg(
            "bộ kiểm tra CV 365 chưa có trong bản này", "the CV 365 validator is not available in this build"))
    size = Path(path).stat().st_size
    if size > limits.max_file_bytes:
        return FileResult(file=path, format="cv365", message=Msg(
            f"tệp {size} byte vượt giới hạn {limits.max_file_bytes}",
            f"file of {size} bytes exceeds the limit of {limits.max_file_bytes}"))
    result: FileResult = cv365.validate_record_export(Path(path).read_bytes(), name=path)
    return result


def iter_files(paths: Iterable[Path]) -> Iterator[str]:
    """Files in the order given; a folder's files sorted, recursively, one at a time."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file():
                    yield str(child)
        else:
            yield str(path)


def validate_paths(paths: Iterable[Path], job: Job, jobs: int = 1, chunk: int = 32) -> Iterator[FileResult]:
    files = iter_files(paths)
    if jobs <= 1:
        _init(job)
        for path in files:
            yield validate_one(path)
        return
    context = multiprocessing.get_context("spawn" if sys.platform == "darwin" else "fork")
    with context.Pool(jobs, initializer=_init, initargs=(job,)) as pool:
        yield from pool.imap(validate_one, files, chunksize=chunk)


def _print_text(result: FileResult) -> None:
    label = {"valid": "HỢP LỆ / valid", "invalid": "KHÔNG HỢP LỆ / invalid", "error": "LỖI / error"}[result.verdict]
    print(f"{result.file}: {label}")
    if result.message is not None:
        print(f"  {result.message.vi}\n  {result.message.en}")
    for f in result.findings:
        where = " ".join(x for x in (f.table, f.field, f"dòng/row {f.row}" if f.row else None) if x)
        print(f"  [{f.severity}] {f.rule} {where}: {f.message.vi} / {f.message.en}")


def run(args: argparse.Namespace) -> int:
    missing = [p for p in args.paths if not p.exists()]
    if missing:
        print(f"không có tệp/thư mục / no such file or folder: {', '.join(map(str, missing))}", file=sys.stderr)
        return EXIT_USAGE
    if args.jobs < 1 or args.max_file_mb <= 0 or args.max_seconds <= 0:
        print("-n, --max-file-mb, --max-seconds phải dương / must be positive", file=sys.stderr)
        return EXIT_USAGE
    if args.trust is not None:
        try:
            TrustStore.load(args.trust)
        except TrustStoreError as exc:
            print(f"{exc.message.vi} / {exc.message.en}", file=sys.stderr)
            return EXIT_USAGE
    limits = Limits(max_file_bytes=int(args.max_file_mb * 2**20),
                    max_table_bytes=min(DEFAULT_LIMITS.max_table_bytes, int(args.max_file_mb * 2**20)),
                    max_seconds=args.max_seconds)
    job = Job(args.format, str(args.trust) if args.trust else None, False, args.skip_signature, limits)
    worst = EXIT_OK
    first = True
    if args.json:
        sys.stdout.write("[")
    for result in validate_paths(args.paths, job, args.jobs):
        if result.verdict != "valid":
            worst = EXIT_INVALID
        if args.json:
            sys.stdout.write(("\n" if first else ",\n") + json.dumps(result.to_json(), ensure_ascii=False))
            first = False
        else:
            _print_text(result)
    if args.json:
        sys.stdout.write("\n]\n")
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hsba")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(argv))
