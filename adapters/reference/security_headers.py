"""Security headers on every answer of the reference EMR (HSTS, no sniffing, no caching, no framing)."""

from __future__ import annotations

from flask import Flask, Response

from conformance.adapters.reference.web import faults

HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


def install(app: Flask) -> None:
    @app.after_request
    def add_headers(response: Response) -> Response:
        if "missing-security-headers" not in faults():
            for key, value in HEADERS.items():
                response.headers.setdefault(key, value)
        return response
