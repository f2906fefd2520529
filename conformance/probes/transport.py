"""Probes of the security area about transport (kênh truyền): HTTPS only, modern TLS, no credentials in
URLs, security headers. They reach the endpoint the adapter names (:meth:`Adapter.endpoint`)."""

from __future__ import annotations

from typing import Any

from conformance import transport_check as tc
from conformance.adapters.protocol import Capability, Refused
from conformance.http import HttpClient
from conformance.probe_api import ProbeContext, ProbeResult, failed, indeterminate, passed, probe
from conformance.probes import _setup as su


@probe("transport.https_only", requires=(Capability.TRANSPORT,))
def https_only(ctx: ProbeContext) -> ProbeResult:
    """The endpoint is an https:// URL, and a plain-HTTP request (no credentials) to its port is not
    served: no answer, a TLS error, a 4xx, or a redirect to https:// without content."""
    endpoint = ctx.adapter.endpoint()
    address = tc.Address.of(endpoint.base_url)
    details: dict[str, Any] = {"base_url": endpoint.base_url}
    if address.scheme != "https":
        return failed(f"hệ thống được cấu hình qua {address.scheme}://, không phải HTTPS",
                      f"the target is reached over {address.scheme}://, not HTTPS", **details)
    answer = tc.plain_http(address, path=ctx.param("path", "/"))
    details["plain_http"] = answer
    ctx.attach("plain-http.json", answer)
    status = answer.get("status")
    if status is not None and 200 <= status < 300:
        return failed(f"cổng HTTPS trả lời HTTP thường với mã {status} (có nội dung)",
                      f"the HTTPS port served plain HTTP with status {status}", **details)
    if status is not None and 300 <= status < 400:
        location = str(answer.get("location") or "")
        if not location.startswith("https://") or answer.get("body_bytes", 0) > 512:
            return failed("HTTP thường được chuyển hướng không sang https:// hoặc kèm nội dung",
                          "plain HTTP is redirected elsewhere than https://, or with content", **details)
    how_vi = f"trả lời {status}" if status else "không phục vụ"
    how_en = f"answered {status}" if status else "not served"
    return passed(f"hệ thống dùng HTTPS; yêu cầu HTTP thường: {how_vi}",
                  f"the target uses HTTPS; a plain-HTTP request was {how_en}", **details)


@probe("transport.modern_tls", requires=(Capability.TRANSPORT,))
def modern_tls(ctx: ProbeContext) -> ProbeResult:
    """TLS 1.0 and 1.1 handshakes must be refused; a TLS 1.2+ handshake with certificate checks must succeed."""
    endpoint = ctx.adapter.endpoint()
    address = tc.Address.of(endpoint.base_url)
    if address.scheme != "https":
        return failed("hệ thống không dùng HTTPS", "the target does not use HTTPS", base_url=endpoint.base_url)
    tries = [tc.handshake(address, v) for v in ("TLSv1", "TLSv1.1")]
    modern = tc.handshake(address, "TLSv1.2+", verify=endpoint.verify)
    details: dict[str, Any] = {"base_url": endpoint.base_url, "old": tries, "modern": modern}
    ctx.attach("tls-handshakes.json", details)
    accepted_old = [t["offered"] for t in tries if t.get("accepted")]
    if accepted_old:
        return failed(f"máy chủ chấp nhận {', '.join(accepted_old)}", f"the server accepts {', '.join(accepted_old)}",
                      **details)
    if not modern.get("accepted"):
        return failed("không bắt tay được TLS 1.2 trở lên với chứng thư hợp lệ",
                      "no TLS 1.2+ handshake with a valid certificate", **details)
    untested = [t["offered"] for t in tries if t.get("accepted") is None]
    if untested:
        return indeterminate(f"thư viện TLS tại máy thẩm định không thử được {', '.join(untested)}",
                             f"the local TLS library could not offer {', '.join(untested)}", **details)
    return passed(f"TLS 1.0 và 1.1 bị từ chối; kết nối dùng {modern.get('negotiated')}",
                  f"TLS 1.0 and 1.1 are refused; connections use {modern.get('negotiated')}", **details)


@probe("transport.no_token_in_url", requires=(Capability.CREDENTIALS_IN_URL,))
def no_token_in_url(ctx: ProbeContext) -> ProbeResult:
    """A valid session's token sent as the URL parameter ``access_token`` (no Authorization header) must
    not authenticate: asking the target who the session is must be refused. URLs end up in logs, proxies
    and browser histories."""
    s = su.session(ctx, "role", "bac_si")
    details: dict[str, Any] = {"role": s.role}
    try:
        who = s.whoami_token_in_url()
        details["token_in_url"] = {"served": True, "user": who.user_id}
    except Refused as exc:
        details["token_in_url"] = su.refusal(exc)
        return passed("mã phiên đặt trong URL không được chấp nhận", "a token in the URL is not accepted", **details)
    return failed("hệ thống chấp nhận mã phiên đặt trong URL (?access_token=...)",
                  "the target accepts a session token in the URL (?access_token=...)", **details)


@probe("transport.security_headers", requires=(Capability.TRANSPORT,))
def security_headers(ctx: ProbeContext) -> ProbeResult:
    """An HTTPS answer of the endpoint (``path``, default the base URL) carries HSTS, nosniff, no-store and
    anti-framing headers."""
    endpoint = ctx.adapter.endpoint()
    client = HttpClient(endpoint.base_url, verify=endpoint.verify, timeout=(5.0, 10.0), max_body=1024 * 1024)
    try:
        response = client.get(ctx.param("path", "/"))
    finally:
        client.close()
    headers = dict(response.headers)
    problems = tc.header_problems(headers)
    details: dict[str, Any] = {"url": response.url, "status": response.status, "headers": headers}
    if problems:
        return failed(*su.join_problems(problems), **details)
    return passed("câu trả lời HTTPS có đủ HSTS, nosniff, no-store và chống nhúng khung",
                  "the HTTPS answer carries HSTS, nosniff, no-store and anti-framing headers", **details)
