"""Where the reference EMR finds its TLS material: the test PKI shipped in fixtures/pki."""

from __future__ import annotations

import ssl
from pathlib import Path

from conformance.resources import data_path


def pki_file(name: str) -> Path:
    return data_path("fixtures", "pki", name)


def ca_bundle() -> Path:
    """The CA bundle (test root + issuing CA) a client must trust to reach the reference EMR."""
    return pki_file("ca-bundle.pem")


def server_ssl_context() -> ssl.SSLContext:
    """A TLS 1.2+ server context with the reference EMR's certificate chain and key."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(pki_file("server-chain.pem"), pki_file("server.key.pem"))
    return ctx


def weaken_tls(ctx: ssl.SSLContext) -> None:
    """The ``weak-tls`` fault: accept TLS 1.0 and 1.1 (and the weak ciphers they need)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
