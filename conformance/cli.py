"""The `hsba` command line (contract in DESIGN.md, "Command line").

The commands that concern the embedded reference EMR (`demo`, `reference-emr`) are dispatched by name
to ``conformance.adapters.reference`` so that the engine itself imports no specific adapter.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import traceback
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from conformance import __version__, export_cli
from conformance.criteria_loader import CriteriaError, load_catalogue
from conformance.lint import lint
from conformance.messages import Msg
from conformance.runner import Appraisal, appraise, say
from conformance.selection import SelectionError, select, today_in_vietnam
from conformance.verdicts import EXIT_CRASH, EXIT_USAGE

REFERENCE = "conformance.adapters.reference"


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ngày phải có dạng YYYY-MM-DD / date must be YYYY-MM-DD: {text!r}") from None


def _jobs(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("-n phải ≥ 1 / -n must be at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hsba", description="Thẩm định phần mềm hồ sơ bệnh án điện tử / Appraise EMR software "
                                 "(TT 13/2025/TT-BYT, CV 365/TTYQG-GPQLCL)")
    parser.add_argument("--version", action="version", version=f"hsba-conformance {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="thẩm định HSBA tham chiếu đi kèm / appraise the bundled reference EMR")
    demo.add_argument("--out", required=True, type=Path, help="thư mục kết quả / output folder")
    demo.add_argument("--fault", action="append", default=[], metavar="NAME",
                      help="bật một lỗi có chủ đích / switch a named fault on (repeatable)")
    demo.add_argument("--date", type=_date, help="ngày thẩm định / appraisal date (YYYY-MM-DD)")
    demo.add_argument("-n", dest="jobs", type=_jobs, default=1, help="số tiến trình / parallel workers")
    demo.add_argument("--only", action="append", default=[], metavar="ID",
                      help="chỉ tiêu chí này / only this criterion")
    demo.add_argument("--area", action="append", default=[], metavar="AREA", help="chỉ nhóm này / only this area")

    ap = sub.add_parser("appraise", help="thẩm định một hệ thống / appraise a target EMR")
    ap.add_argument("--target", required=True, type=Path, help="tệp cấu hình hệ thống (TOML) / target file")
    ap.add_argument("--out", required=True, type=Path, help="thư mục kết quả / output folder")
    ap.add_argument("--profile", help="hồ sơ tiêu chí / criteria profile id")
    ap.add_argument("--date", type=_date, help="ngày thẩm định / appraisal date (YYYY-MM-DD)")
    ap.add_argument("--only", action="append", default=[], metavar="ID", help="chỉ tiêu chí này / only this criterion")
    ap.add_argument("--area", action="append", default=[], metavar="AREA", help="chỉ nhóm này / only this area")
    ap.add_argument("--criteria", type=Path, help="thư mục tiêu chí khác / another criteria folder")
    ap.add_argument("--attestation", type=Path, metavar="FILE",
                    help="xác nhận của hội đồng (YAML) / the council's attestation file")
    ap.add_argument("-n", dest="jobs", type=_jobs, default=1, help="số tiến trình / parallel workers")

    _add_signing(ap)
    _add_verify(sub)

    crit = sub.add_parser("criteria", help="danh mục tiêu chí / the criteria catalogue")
    crit_sub = crit.add_subparsers(dest="criteria_command", required=True)
    lst = crit_sub.add_parser("list", help="liệt kê / list")
    lst.add_argument("--json", action="store_true")
    lst.add_argument("--profile")
    lst.add_argument("--date", type=_date)
    show = crit_sub.add_parser("show", help="xem một tiêu chí / show one criterion")
    show.add_argument("id")
    show.add_argument("--json", action="store_true")
    lnt = crit_sub.add_parser("lint", help="kiểm tra danh mục / check the catalogue")
    lnt.add_argument("dir", nargs="?", type=Path)

    _add_attest(sub)
    _add_verify_signature(sub)

    ref = sub.add_parser("reference-emr", help="HSBA tham chiếu / the reference EMR: serve | faults [--json]",
                         add_help=False)
    ref.add_argument("reference_args", nargs=argparse.REMAINDER,
                     help="serve [--host] [--port] [--db] [--fault NAME ...] | faults [--json]")
    export_cli.add_parser(sub)
    return parser


def _add_signing(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--sign-with", type=Path, metavar="FILE.p12",
                    help="ký report.pdf và manifest bằng chứng thư này / sign report.pdf and the manifest with it")
    ap.add_argument("--sign-pass-env", metavar="VAR",
                    help="biến môi trường chứa mật khẩu PKCS#12 / environment variable holding the PKCS#12 password")
    ap.add_argument("--tsa-url", metavar="URL", help="máy chủ dấu thời gian RFC 3161 / RFC 3161 timestamp server")


def _signing(args: argparse.Namespace) -> Any:
    if args.sign_with is None:
        if args.sign_pass_env or args.tsa_url:
            say(Msg("--sign-pass-env/--tsa-url cần --sign-with", "--sign-pass-env/--tsa-url need --sign-with"),
                sys.stderr)
            raise SystemExit(EXIT_USAGE)
        return None
    from conformance.report_sign import SigningOptions

    return SigningOptions(p12=args.sign_with, password_env=args.sign_pass_env, tsa_url=args.tsa_url)


def _add_verify(sub: Any) -> None:
    ver = sub.add_parser("verify", help="kiểm tra gói bằng chứng / check an evidence bundle (hashes, signatures)")
    ver.add_argument("bundle", type=Path, help="bundle.zip")
    ver.add_argument("--trust", type=Path, metavar="DIR", help="thư mục tin cậy / trust folder (CAs, crl/, ocsp/)")


def cmd_verify(args: argparse.Namespace) -> int:
    from conformance.verify_bundle import run as verify

    return verify(args.bundle, args.trust)


def _add_attest(sub: Any) -> None:
    attest = sub.add_parser("attest", help="xác nhận của hội đồng / the council's attestation")
    attest_sub = attest.add_subparsers(dest="attest_command", required=True)
    init = attest_sub.add_parser("init", help="viết mẫu xác nhận / write an attestation template")
    init.add_argument("--profile", required=True, help="hồ sơ tiêu chí / criteria profile id")
    init.add_argument("--out", required=True, type=Path, help="tệp YAML cần ghi / the YAML file to write")


def cmd_attest(args: argparse.Namespace) -> int:
    from conformance.attestation_template import template

    catalogue = load_catalogue()
    profile = catalogue.profiles.get(args.profile)
    if profile is None:
        known = ", ".join(sorted(catalogue.profiles))
        say(Msg(f"không có hồ sơ tiêu chí '{args.profile}' (có: {known})",
                f"no profile '{args.profile}' (known: {known})"), sys.stderr)
        return EXIT_USAGE
    text = template(catalogue, profile, today_in_vietnam())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    count = text.count("\n  - id: ")
    say(Msg(f"Đã ghi mẫu xác nhận ({count} tiêu chí) vào {args.out}",
            f"Attestation template ({count} criteria) written to {args.out}"))
    return 0


def _add_verify_signature(sub: Any) -> None:
    from conformance import verify_signature

    verify_signature.add_parser(sub)


def cmd_verify_signature(args: argparse.Namespace) -> int:
    from conformance import verify_signature

    code: int = verify_signature.run(args)
    return code


def _reference(module: str) -> Any:
    return importlib.import_module(f"{REFERENCE}.{module}")


def cmd_criteria(args: argparse.Namespace) -> int:
    if args.criteria_command == "lint":
        problems = lint(args.dir)
        for problem in problems:
            print(problem)
        print(f"{len(problems)} vấn đề / problem(s)" if problems else "Danh mục tiêu chí hợp lệ / criteria clean")
        return 1 if problems else 0
    catalogue = load_catalogue()
    if args.criteria_command == "show":
        criterion = catalogue.criteria.get(args.id)
        if criterion is None:
            say(Msg(f"không có tiêu chí {args.id}", f"no criterion {args.id}"), sys.stderr)
            return EXIT_USAGE
        if args.json:
            print(json.dumps(criterion.to_json(), ensure_ascii=False, indent=2))
            return 0
        area = catalogue.areas[criterion.area]
        print(f"{criterion.id}  [{area.title.vi} / {area.title.en}]  {criterion.level}, {criterion.method}")
        print(f"  {criterion.title.vi}\n  {criterion.title.en}")
        for basis in criterion.basis:
            print(f"  Căn cứ / Basis: {basis}")
        applies = criterion.applies_from.isoformat() + (f" → {criterion.applies_to}" if criterion.applies_to else " →")
        print(f"  Hiệu lực / In force: {applies}")
        for ref in criterion.probes:
            print(f"  Phép thử / Probe: {ref.probe} {json.dumps(ref.params, ensure_ascii=False) if ref.params else ''}")
        if criterion.parameters:
            print(f"  Ngưỡng / Parameters: {json.dumps(criterion.parameters, ensure_ascii=False)}")
        if criterion.evidence_required:
            print(f"  Bằng chứng / Evidence: {criterion.evidence_required.vi}\n    {criterion.evidence_required.en}")
        print(f"  Ghi chú: {criterion.notes.vi}\n  Notes: {criterion.notes.en}")
        return 0
    criteria = catalogue.ordered()
    if args.profile or args.date:
        criteria = select(catalogue, args.date or today_in_vietnam(), profile_id=args.profile).applied
    if args.json:
        print(json.dumps([c.to_json() for c in criteria], ensure_ascii=False, indent=2))
        return 0
    for c in criteria:
        print(f"{c.id:<7} {c.area:<10} {c.level:<12} {c.method:<10} {c.title.vi}")
    return 0


def cmd_reference(args: argparse.Namespace) -> int:
    code: int = _reference("cli").main(args.reference_args)
    return code


def run(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "criteria":
            return cmd_criteria(args)
        if args.command == "reference-emr":
            return cmd_reference(args)
        if args.command == "verify":
            return cmd_verify(args)
        if args.command == "attest":
            return cmd_attest(args)
        if args.command == "verify-signature":
            return cmd_verify_signature(args)
        if args.command == "validate-export":
            return export_cli.run(args)
        on = args.date or today_in_vietnam()
        if args.command == "demo":
            code: int = _reference("demo").run_demo(out=args.out, faults=args.fault, on=on, jobs=args.jobs,
                                                    areas=args.area, only=args.only)
            return code
        return appraise(Appraisal(target=args.target, out=args.out, on=on, profile=args.profile, only=args.only,
                                  areas=args.area, jobs=args.jobs, criteria_dir=args.criteria,
                                  attestation=args.attestation, signing=_signing(args)))
    except CriteriaError as exc:
        say(Msg(f"Tệp tiêu chí có lỗi:\n{exc}", f"The criteria files have problems:\n{exc}"), sys.stderr)
        return EXIT_USAGE
    except SelectionError as exc:
        say(exc.message, sys.stderr)
        return EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(argv)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `hsba criteria list | head`: the reader has gone, nothing is wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception:
        traceback.print_exc()
        say(Msg("Công cụ gặp lỗi nội bộ (mã thoát 3).", "The harness itself crashed (exit code 3)."), sys.stderr)
        return EXIT_CRASH


if __name__ == "__main__":
    sys.exit(main())
