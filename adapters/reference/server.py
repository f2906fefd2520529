"""Running the reference EMR: HTTPS on a loopback address only, with the test PKI's certificate.

:func:`serve` runs in the foreground until SIGTERM/SIGINT and prints ``READY https://HOST:PORT`` once
listening; :func:`start_server` runs it in a background thread of the calling process (for tests).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from conformance.adapters.reference.accounts import passwords_from_env
from conformance.adapters.reference.db import connect, initialise
from conformance.adapters.reference.faults import FaultSet
from conformance.adapters.reference.hosts import ServerConfigError, base_url, loopback_address
from conformance.adapters.reference.seed import seed

if TYPE_CHECKING:
    from werkzeug.serving import BaseWSGIServer

__all__ = ["ServerConfigError", "ServerHandle", "loopback_address", "prepare_database", "serve", "start_server"]


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
    # Seeding a new database hashes every password (slow on purpose): let it overlap the web stack's import.
    failure: list[BaseException] = []

    def prepare() -> None:
        try:
            prepare_database(Path(db), environ)
        except BaseException as exc:
            failure.append(exc)

    preparing = threading.Thread(target=prepare, name="hsba-reference-seed")
    preparing.start()
    from conformance.adapters.reference.httpd import make_https_server

    try:
        server = make_https_server(address, port, Path(db), fault_set, lockout_seconds)
    finally:
        preparing.join()
    if failure:
        server.server_close()
        raise failure[0]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name="hsba-reference-emr", daemon=True)
    thread.start()
    return ServerHandle(base_url(address, server.server_port), server, thread)


def serve(host: str = "127.0.0.1", port: int = 0, db: Path | None = None, faults: Iterable[str] = (),
          lockout_seconds: int = 300, ready_file: Path | None = None) -> int:
    """Run in the foreground until SIGTERM or SIGINT. ``db=None`` uses a temporary database removed at exit.
    Prints ``READY <base url>`` on stdout once listening (and writes the URL to ``ready_file``)."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda _s, _f: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with contextlib.ExitStack() as stack:
            if db is None:
                db = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hsba-reference-"))) / "emr.sqlite"
            handle = stack.enter_context(start_server(db, faults, host=host, port=port,
                                                      lockout_seconds=lockout_seconds))
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
