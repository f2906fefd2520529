"""The HTTPS server around the Flask app: werkzeug's threaded server, TLS from the test PKI."""

from __future__ import annotations

from pathlib import Path

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from conformance.adapters.reference.app import create_app, quiet_request_log
from conformance.adapters.reference.faults import FaultSet
from conformance.adapters.reference.pki import server_ssl_context, weaken_tls


class _Handler(WSGIRequestHandler):
    timeout = 120  # seconds a kept-alive connection may sit idle (and a TLS handshake may take)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Requests are recorded in the audit log; no access-log lines on stderr."""


def make_https_server(host: str, port: int, db: Path, faults: FaultSet, lockout_seconds: int) -> BaseWSGIServer:
    """Bind (port 0: a free port) and return the server, not yet serving."""
    quiet_request_log()
    app = create_app(db, faults, lockout_seconds)
    server = make_server(host, port, app, threaded=True, request_handler=_Handler)
    # TLS is set up here rather than by make_server so that each connection's handshake happens in its
    # own worker thread (on first read), never in the accepting loop.
    ctx = server_ssl_context()
    if "weak-tls" in faults:
        weaken_tls(ctx)
    server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    server.ssl_context = ctx
    return server
