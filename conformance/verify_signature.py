"""`hsba verify-signature`: every signature of PDF and XML files, in the JSON contract of DESIGN.md.

Kiểm tra chữ ký số của tệp PDF (PAdES) và XML (XMLDSig). Exit codes: 0 every file valid; 1 any file is not
(invalid, indeterminate, no signature); 2 bad usage. PDF files go to :mod:`conformance.pdfsig`, XML files to
the project's one XML-signature validator, :mod:`conformance.xmlsig`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from conformance.messages import Msg
from conformance.pdfsig import MAX_PDF_BYTES, verify_pdf_signatures
from conformance.signature_report import FileSignatures
from conformance.signing_policy import PolicyError, SigningPolicy, load_policy
from conformance.trust import TrustStore, TrustStoreError

VN = timezone(timedelta(hours=7))
EXIT_OK, EXIT_NOT_VALID, EXIT_USAGE = 0, 1, 2
SUFFIXES = {".pdf", ".xml"}


def sniff(data: bytes) -> str | None:
    """'pdf', 'xml' or None, from the content (not the file name)."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"<"):
        return "xml"
    return None


def verify_bytes(data: bytes, *, name: str, trust: TrustStore | None, at: datetime | None = None,
                 policy: SigningPolicy | None = None) -> FileSignatures:
    """One file's signatures, whatever its kind; never raises."""
    kind = sniff(data)
    policy = policy or load_policy()
    if kind == "pdf":
        return verify_pdf_signatures(data, name=name, trust=trust, at=at, constraints=policy.constraints,
                                     known_titles=policy.known_titles)
    if kind == "xml":
        try:  # the export helpers' validator (one for the whole project)
            xmlsig = importlib.import_module("conformance.xmlsig")
        except ImportError:
            return FileSignatures(name, [], Msg("chưa có bộ kiểm tra chữ ký XML trong bản cài đặt này",
                                                "the XML-signature validator is not part of this installation"))
        try:
            result: FileSignatures = xmlsig.verify_xml_signatures(data, name=name, trust=trust, at=at)
            return result
        except Exception as exc:  # the contract says it never raises; keep the promise here too
            return FileSignatures(name, [], Msg(f"lỗi khi kiểm tra chữ ký XML: {type(exc).__name__}: {exc}",
                                                f"error while checking the XML signature: {type(exc).__name__}: {exc}"))
    return FileSignatures(name, [], Msg("không nhận ra định dạng tệp (cần PDF hoặc XML)",
                                        "unrecognised file format (PDF or XML expected)"))


def _files(paths: Sequence[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        else:
            yield path


def verify_path(path: Path, *, trust: TrustStore | None, at: datetime | None,
                policy: SigningPolicy | None) -> FileSignatures:
    try:
        if path.stat().st_size > MAX_PDF_BYTES:
            return FileSignatures(str(path), [], Msg(f"tệp quá lớn (giới hạn {MAX_PDF_BYTES} byte)",
                                                     f"file too large (limit {MAX_PDF_BYTES} bytes)"))
        data = path.read_bytes()
    except OSError as exc:
        return FileSignatures(str(path), [], Msg(f"không đọc được tệp: {exc.strerror}",
                                                 f"cannot read the file: {exc.strerror}"))
    return verify_bytes(data, name=str(path), trust=trust, at=at, policy=policy)


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--at cần dạng ISO 8601 / --at needs ISO 8601: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=VN)


def add_parser(sub: Any) -> None:
    p = sub.add_parser("verify-signature", help="kiểm tra chữ ký số PDF/XML / verify PDF and XML signatures")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="tệp hoặc thư mục / files or folders")
    p.add_argument("--trust", type=Path, help="thư mục tin cậy (CA, crl/, ocsp/) / trust folder")
    p.add_argument("--at", type=_moment, help="thời điểm kiểm tra (ISO 8601, mặc định +07:00) / validation time")
    p.add_argument("--policy", type=Path, help="tệp quy chế ký / signing policy file (YAML)")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON / print JSON")


def _line(result: FileSignatures) -> str:
    out = [f"{result.file}: {result.verdict}"]
    if result.error is not None:
        out.append(f"  {result.error.vi} / {result.error.en}")
    for s in result.signatures:
        who = ", ".join(x for x in (s.signer, s.title) if x) or "?"
        out.append(f"  #{s.index} {s.kind} {who} {s.signing_time or '-'}: {s.indication}"
                   f"{'/' + s.sub_indication if s.sub_indication else ''}"
                   + (f" (scope={s.scope})" if s.kind == "xml" else
                      f" (coverage={s.coverage}, modification={s.modification})"))
        if s.message is not None and not s.passed:
            out.append(f"     {s.message.vi} / {s.message.en}")
    return "\n".join(out)


def run(args: argparse.Namespace) -> int:
    try:
        trust = TrustStore.load(args.trust) if args.trust else None
        policy = load_policy(args.policy) if args.policy else load_policy()
    except (TrustStoreError, PolicyError) as exc:
        print(f"{exc.message.vi} / {exc.message.en}", file=sys.stderr)
        return EXIT_USAGE
    missing = [p for p in args.paths if not p.exists()]
    if missing:
        print(f"không tìm thấy / not found: {', '.join(map(str, missing))}", file=sys.stderr)
        return EXIT_USAGE
    results = [verify_path(p, trust=trust, at=args.at, policy=policy) for p in _files(args.paths)]
    if not results:
        print("không có tệp PDF/XML nào / no PDF or XML file found", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps([r.to_json() for r in results], ensure_ascii=False, indent=2))
    else:
        if trust is None:
            print("(không có --trust: không tin cậy tổ chức chứng thực nào / no --trust: no CA is trusted)")
        for r in results:
            print(_line(r))
    return EXIT_OK if all(r.verdict == "valid" for r in results) else EXIT_NOT_VALID
