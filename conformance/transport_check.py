"""Transport checks of an endpoint: does it answer plain HTTP, which TLS versions does it accept.

Kiểm tra kênh truyền: máy chủ có phục vụ HTTP thường không, chấp nhận phiên bản TLS nào.

Raw sockets, loopback or the target's own host only, bounded in time and bytes; every failure is an
answer (a dict for the evidence), never an exception.
"""

from __future__ import annotations

import socket
import ssl
import warnings
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

MAX_READ = 65536
OLD_VERSIONS = {"TLSv1": ssl.TLSVersion.TLSv1, "TLSv1.1": ssl.TLSVersion.TLSv1_1}


@dataclass(frozen=True)
class Address:
    scheme: str
    host: str
    port: int

    @classmethod
    def of(cls, base_url: str) -> Address:
        parts = urlsplit(base_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return cls(parts.scheme, parts.hostname or "", port)


def plain_http(address: Address, timeout: float = 5.0, path: str = "/") -> dict[str, Any]:
    """Send one plain-HTTP GET (no credentials) to the HTTPS port; what came back."""
    request = (f"GET {path} HTTP/1.1\r\nHost: {address.host}:{address.port}\r\nAccept: */*\r\n"
               "Connection: close\r\n\r\n").encode()
    out: dict[str, Any] = {"host": address.host, "port": address.port, "status": None}
    data = b""
    try:
        with socket.create_connection((address.host, address.port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(request)
            while len(data) < MAX_READ:
                chunk = sock.recv(MAX_READ - len(data))
                if not chunk:
                    break
                data += chunk
    except (OSError, ValueError) as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
    out["bytes"] = len(data)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1", "replace").split("\r\n")
    if lines and lines[0].startswith("HTTP/"):
        fields = lines[0].split(" ")
        out["status"] = int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else None
        for line in lines[1:]:
            key, _, value = line.partition(":")
            if key.strip().lower() == "location":
                out["location"] = value.strip()
        out["body_bytes"] = len(body)
    elif data:
        out["first_bytes"] = data[:16].hex()
    return out


def handshake(address: Address, version: str, *, verify: bool | str = True, timeout: float = 5.0) -> dict[str, Any]:
    """Try a TLS handshake limited to ``version`` ("TLSv1", "TLSv1.1", or "TLSv1.2+" for modern ones).
    Old versions are offered with every cipher the local OpenSSL allows (security level 0) and without
    certificate checks: the question is only whether the server accepts them."""
    out: dict[str, Any] = {"offered": version}
    try:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if version in OLD_VERSIONS:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                ctx.minimum_version = OLD_VERSIONS[version]
                ctx.maximum_version = OLD_VERSIONS[version]
        else:
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            if isinstance(verify, str):
                ctx.load_verify_locations(verify)
            elif verify:
                ctx.load_default_certs()
            else:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
    except (ssl.SSLError, ValueError, OSError) as exc:
        out |= {"accepted": None, "error": f"the local TLS library cannot offer {version}: {exc}"}
        return out
    try:
        with socket.create_connection((address.host, address.port), timeout=timeout) as raw, \
                ctx.wrap_socket(raw, server_hostname=address.host) as tls:
            out |= {"accepted": True, "negotiated": tls.version(), "cipher": (tls.cipher() or ("",))[0]}
    except ssl.SSLError as exc:
        out |= {"accepted": False, "error": f"{type(exc).__name__}: {exc.reason or exc}"}
    except (OSError, ValueError) as exc:
        out |= {"accepted": False, "error": f"{type(exc).__name__}: {exc}"}
    return out


def header_problems(headers: dict[str, str]) -> list[tuple[str, str]]:
    """Security headers an HTTPS answer should carry: HSTS, nosniff, no-store, and framing protection."""
    h = {k.lower(): v for k, v in headers.items()}
    problems: list[tuple[str, str]] = []
    hsts = h.get("strict-transport-security", "")
    if "max-age=" not in hsts.lower() or hsts.lower().split("max-age=")[1].split(";")[0].strip() in ("", "0"):
        problems.append(("thiếu Strict-Transport-Security (HSTS) với max-age > 0",
                         "no Strict-Transport-Security (HSTS) with max-age > 0"))
    if h.get("x-content-type-options", "").lower() != "nosniff":
        problems.append(("thiếu X-Content-Type-Options: nosniff", "no X-Content-Type-Options: nosniff"))
    if "no-store" not in h.get("cache-control", "").lower():
        problems.append(("thiếu Cache-Control: no-store (dữ liệu bệnh án có thể bị lưu đệm)",
                         "no Cache-Control: no-store (record data may be cached)"))
    framing = h.get("x-frame-options", "").upper() in ("DENY", "SAMEORIGIN") or \
        "frame-ancestors" in h.get("content-security-policy", "").lower()
    if not framing:
        problems.append(("thiếu chống nhúng khung (X-Frame-Options hoặc CSP frame-ancestors)",
                         "no anti-framing (X-Frame-Options or CSP frame-ancestors)"))
    return problems
