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

    ap = sub.add_parser("appraise", help="thẩm định một hệ thống / appraise a target EMR")
    ap.add_argument("--target", required=True, type=Path, help="tệp cấu hình hệ thống (TOML) / target file")
    ap.add_argument("--out", required=True, type=Path, help="thư mục kết quả / output folder")
    ap.add_argument("--profile", help="hồ sơ tiêu chí / criteria profile id")
    ap.add_argument("--date", type=_date, help="ngày thẩm định / appraisal date (YYYY-MM-DD)")
    ap.add_argument("--only", action="append", default=[], metavar="ID", help="chỉ tiêu chí này / only this criterion")
    ap.add_argument("--area", action="append", default=[], metavar="AREA", help="chỉ nhóm này / only this area")
    ap.add_argument("--criteria", type=Path, help="thư mục tiêu chí khác / another criteria folder")
    ap.add_argument("-n", dest="jobs", type=_jobs, default=1, help="số tiến trình / parallel workers")

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

    _add_verify_signature(sub)

    ref = sub.add_parser("reference-emr", help="HSBA tham chiếu / the reference EMR: serve | faults [--json]",
                         add_help=False)
    ref.add_argument("reference_args", nargs=argparse.REMAINDER,
                     help="serve [--host] [--port] [--db] [--fault NAME ...] | faults [--json]")
    export_cli.add_parser(sub)
    return parser


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
        if args.command == "verify-signature":
            return cmd_verify_signature(args)
        if args.command == "validate-export":
            return export_cli.run(args)
        on = args.date or today_in_vietnam()
        if args.command == "demo":
            code: int = _reference("demo").run_demo(out=args.out, faults=args.fault, on=on, jobs=args.jobs)
            return code
        return appraise(Appraisal(target=args.target, out=args.out, on=on, profile=args.profile, only=args.only,
                                  areas=args.area, jobs=args.jobs, criteria_dir=args.criteria))
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
