"""Command line of the reference EMR: ``serve`` and ``faults``.

Used as ``python -m conformance.adapters.reference serve|faults ...`` and by the engine's
``hsba reference-emr serve|faults``, which calls :func:`main_serve` / :func:`main_faults`.
Exit codes: 0 success, 2 bad usage (unknown fault, non-loopback host...).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from conformance.adapters.reference.faults import FaultSet, UnknownFault, faults_json, list_faults


def _serve_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="hsba reference-emr serve",
        description="Chạy HSBA Reference EMR (HTTPS, chỉ loopback) / run the HSBA Reference EMR (HTTPS, loopback only)")
    p.add_argument("--host", default="127.0.0.1", help="địa chỉ loopback / loopback address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="cổng, 0 = tự chọn / port, 0 = pick a free one (default 0)")
    p.add_argument("--db", type=Path, default=None,
                   help="tệp SQLite (tạo và khởi tạo nếu chưa có); mặc định: tệp tạm / SQLite file (created and seeded "
                        "if missing); default: a temporary file")
    p.add_argument("--fault", action="extend", nargs="+", default=[], metavar="NAME",
                   help="bật lỗi giả lập (lặp lại được) / switch a fault on (repeatable); see 'faults'")
    p.add_argument("--lockout-seconds", type=int, default=300,
                   help="thời gian khóa tài khoản / how long an account stays locked (default 300)")
    p.add_argument("--ready-file", type=Path, default=None,
                   help="ghi URL vào tệp này khi sẵn sàng / write the URL to this file once listening")
    return p


def _parse(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace | int:
    """Parsed arguments, or the exit code argparse chose (--help: 0, bad usage: 2)."""
    try:
        return parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2


def main_serve(argv: list[str] | None = None) -> int:
    """``serve [--host] [--port] [--db FILE] [--fault NAME ...] [--lockout-seconds N] [--ready-file F]``."""
    args = _parse(_serve_parser(), argv)
    if isinstance(args, int):
        return args
    from conformance.adapters.reference.hosts import ServerConfigError, loopback_address
    from conformance.adapters.reference.server import serve

    try:
        FaultSet(args.fault)
        loopback_address(args.host)
        if not 0 <= args.port <= 65535 or args.lockout_seconds < 1:
            raise ServerConfigError("Cổng hoặc thời gian khóa không hợp lệ.", "Invalid port or lockout time.")
    except (UnknownFault, ServerConfigError) as exc:
        print(f"lỗi: {exc.vi}\nerror: {exc.en}", file=sys.stderr)
        return 2
    try:
        return serve(args.host, args.port, args.db, args.fault, args.lockout_seconds, args.ready_file)
    except OSError as exc:
        print(f"lỗi: không khởi động được máy chủ: {exc}\nerror: cannot start the server: {exc}", file=sys.stderr)
        return 2


def main_faults(argv: list[str] | None = None) -> int:
    """``faults [--json]``: list the fault switches (JSON: ``[{name, description: {vi, en}, criteria}]``)."""
    p = argparse.ArgumentParser(prog="hsba reference-emr faults",
                                description="Các lỗi giả lập của HSBA Reference EMR / the reference EMR's faults")
    p.add_argument("--json", action="store_true", help="in JSON / print JSON")
    args = _parse(p, argv)
    if isinstance(args, int):
        return args
    if args.json:
        print(json.dumps(faults_json(), ensure_ascii=False, indent=2))
        return 0
    for fault in list_faults():
        print(f"{fault.name}  [{', '.join(fault.criteria)}]")
        print(f"    vi: {fault.description['vi']}")
        print(f"    en: {fault.description['en']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    commands = {"serve": main_serve, "faults": main_faults}
    if not args or args[0] not in commands:
        print("cách dùng / usage: python -m conformance.adapters.reference {serve|faults} [options]", file=sys.stderr)
        return 2
    return commands[args[0]](args[1:])
