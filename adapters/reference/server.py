"""Running the reference EMR: HTTPS on a loopback address only, with the test PKI's certificate.

:func:`serve` runs in the foreground until SIGTERM/SIGINT and prints ``READY https://HOST:PORT`` once
listening; :func:`start_server` runs it in a background thread of the calling process (for tests).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import signal
import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from conformance.adapters.reference.accounts import passwords_from_env
from conformance.adapters.reference.app import create_app, quiet_request_log
from conformance.adapters.reference.db import connect, initialise
from conformance.adapters.reference.faults import FaultSet
from conformance.adapters.reference.pki import server_ssl_context
from conformance.adapters.reference.seed import seed
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class ServerConfigError(Exception):
    """The server cannot start as asked (a usage error); ``vi``/``en`` explain why."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(f"{vi} / {en}")
        self.vi = vi
        self.en = en


def loopback_address(host: str) -> str:
    """The address to bind: ``host`` when it is a loopback address (127.0.0.0/8, ::1), ``localhost`` as
    127.0.0.1; anything else is refused."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        address = None
    if address is None or not address.is_loopback:
        raise ServerConfigError(
            f"Máy chủ tham chiếu chỉ chạy trên địa chỉ loopback (127.0.0.0/8, ::1), không phải '{host}'.",
            f"The reference EMR only listens on a loopback address (127.0.0.0/8, ::1), not '{host}'.")
    return str(address)


def prepare_database(db: Path, environ: Mapping[str, str] | None = None) -> None:
    """Create and seed the database on first use. Passwords come from ``HSBA_PW_<KEY>``; for unset ones a
    random password is generated and printed once on stderr as ``export HSBA_PW_...=...``."""
    if not initialise(db):
        return
    passwords, generated = passwords_from_env(environ)
    conn = connect(db)
    try:
        seed(conn, passwords)
    finally:
        conn.close()
    if generated:
        print("# Mật khẩu sinh ngẫu nhiên / generated passwords (shown once):", file=sys.stderr)
        for var, value in generated.items():
            print(f"export {var}={value}", file=sys.stderr)
        sys.stderr.flush()


class _Handler(WSGIRequestHandler):
    timeout = 120  # seconds a kept-alive connection may sit idle (and a TLS handshake may take)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Requests are recorded in the audit log; no access log lines on stderr."""


def _make_server(host: str, port: int, db: Path, faults: FaultSet, lockout_seconds: int) -> BaseWSGIServer:
    app = create_app(db, faults, lockout_seconds)
    server = make_server(host, port, app, threaded=True, request_handler=_Handler)
    # TLS is set up here rather than by make_server so that each connection's handshake happens in its
    # own worker thread (on first read), never in the accepting loop.
    ctx = server_ssl_context()
    server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    server.ssl_context = ctx
    return server


def base_url(host: str, port: int) -> str:
    return f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"


@dataclass
class ServerHandle:
    """A reference EMR serving from a background thread of this process."""

    base_url: str
    server: BaseWSGIServer
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_server(db: Path, faults: Iterable[str] = (), *, host: str = "127.0.0.1", port: int = 0,
                 lockout_seconds: int = 300, environ: Mapping[str, str] | None = None) -> ServerHandle:
    """Start the reference EMR in a background thread and return once it is listening."""
    fault_set = FaultSet(faults)
    address = loopback_address(host)
    prepare_database(Path(db), environ)
    quiet_request_log()
    server = _make_server(address, port, Path(db), fault_set, lockout_seconds)
    thread = threading.Thread(target=server.serve_forever, name="hsba-reference-emr", daemon=True)
    thread.start()
    return ServerHandle(base_url(address, server.server_port), server, thread)


def serve(host: str = "127.0.0.1", port: int = 0, db: Path | None = None, faults: Iterable[str] = (),
          lockout_seconds: int = 300, ready_file: Path | None = None) -> int:
    """Run in the foreground until SIGTERM or SIGINT. ``db=None`` uses a temporary database removed at exit.
    Prints ``READY <base url>`` on stdout once listening (and writes the URL to ``ready_file``)."""
    stop = threading.Event()
    with contextlib.ExitStack() as stack:
        if db is None:
            import tempfile

            db = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hsba-reference-"))) / "emr.sqlite"
        handle = stack.enter_context(start_server(db, faults, host=host, port=port, lockout_seconds=lockout_seconds))
        previous = {sig: signal.signal(sig, lambda _s, _f: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            if ready_file is not None:
                tmp = ready_file.with_name(ready_file.name + ".tmp")
                tmp.write_text(handle.base_url + "\n", encoding="utf-8")
                os.replace(tmp, ready_file)
            print(f"READY {handle.base_url}", flush=True)
            while not stop.wait(0.5):
                pass
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    return 0
