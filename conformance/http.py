"""The one HTTP client adapters use: bounded in time and size, and recorded as evidence.

Every exchange goes through :class:`HttpClient`; when a criterion is being checked, the exchange
(method, URL, status, headers with secrets redacted, bodies) is handed to the active
:class:`ExchangeRecorder` (see :func:`recording`), which stores it content-addressed and lists it
in that criterion's evidence.
"""

from __future__ import annotations

import contextlib
import contextvars
import json as jsonlib
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import requests

from conformance.adapters.protocol import (
    AccountLocked,
    Forbidden,
    NotFound,
    Refused,
    TargetFailure,
    Unauthenticated,
)

DEFAULT_TIMEOUT = (5.0, 20.0)  # connect, read (seconds)
DEFAULT_MAX_BODY = 32 * 1024 * 1024  # bytes read from one response at most


@dataclass(frozen=True)
class HttpResponse:
    method: str
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    elapsed_ms: float

    @property
    def media_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """The body as JSON; an unreadable body is the target's failure, not the harness's."""
        try:
            return jsonlib.loads(self.body)
        except ValueError as exc:
            raise TargetFailure(
                f"{self.method} {self.url}: the answer (HTTP {self.status}) is not valid JSON: {exc}",
                f"{self.method} {self.url}: câu trả lời (HTTP {self.status}) không phải JSON hợp lệ: {exc}",
            ) from exc

    def error_text(self) -> str:
        """A short text of an error answer, for messages."""
        try:
            data = jsonlib.loads(self.body)
        except ValueError:
            return self.body[:200].decode("utf-8", "replace")
        if isinstance(data, dict):
            for key in ("error", "message", "detail"):
                if key in data:
                    value = data[key]
                    if isinstance(value, dict):
                        return str(value.get("en") or value.get("vi") or value)
                    return str(value)
        return jsonlib.dumps(data, ensure_ascii=False)[:200]


class ExchangeRecorder(Protocol):
    def record_exchange(self, exchange: dict[str, Any], request_body: bytes | None,
                        response_body: bytes | None, secrets: frozenset[str]) -> None: ...


_recorder: contextvars.ContextVar[ExchangeRecorder | None] = contextvars.ContextVar(
    "hsba_recorder", default=None)
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("hsba_deadline", default=None)


@contextlib.contextmanager
def recording(recorder: ExchangeRecorder | None, *, budget_s: float | None = None) -> Iterator[None]:
    """Within this block, exchanges go to ``recorder``; requests after ``budget_s`` seconds fail."""
    token_r = _recorder.set(recorder)
    token_d = _deadline.set(time.monotonic() + budget_s if budget_s else None)
    try:
        yield
    finally:
        _recorder.reset(token_r)
        _deadline.reset(token_d)


class HttpClient:
    """A requests session bound to one base URL, with bounded timeouts and body size.

    ``secrets`` are strings (passwords, tokens) that must never reach evidence; adapters add the
    tokens they receive with :meth:`add_secret`.
    """

    def __init__(self, base_url: str, *, verify: bool | str = True,
                 timeout: tuple[float, float] = DEFAULT_TIMEOUT,
                 max_body: int = DEFAULT_MAX_BODY) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_body = max_body
        self._session = requests.Session()
        self._session.verify = verify
        self._session.trust_env = False  # never route a candidate's traffic through a proxy
        self._secrets: set[str] = set()

    def add_secret(self, value: str | None) -> None:
        if value and len(value) >= 4:
            self._secrets.add(value)

    def close(self) -> None:
        self._session.close()

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"

    def request(self, method: str, path: str, *, json: Any = None, params: Mapping[str, Any] | None = None,
                headers: Mapping[str, str] | None = None, data: bytes | None = None) -> HttpResponse:
        """Send one request. Never raises for an HTTP status; raises :class:`TargetFailure` when the
        target cannot be reached, does not answer in time, or answers more than ``max_body`` bytes."""
        url = self.url(path)
        timeout = self._bounded_timeout(method, url)
        body = data
        req_headers = dict(headers or {})
        if json is not None:
            body = jsonlib.dumps(json, ensure_ascii=False).encode()
            req_headers.setdefault("Content-Type", "application/json")
        started = datetime.now(UTC)
        t0 = time.monotonic()
        try:
            with self._session.request(method, url, params=params, data=body, headers=req_headers,
                                       timeout=timeout, stream=True, allow_redirects=False) as resp:
                content = self._read_limited(resp, method, url)
                response = HttpResponse(method, resp.url, resp.status_code, dict(resp.headers), content,
                                        (time.monotonic() - t0) * 1000)
                sent_headers = dict(resp.request.headers)
        except requests.Timeout as exc:
            self._record(method, url, req_headers, body, started, (time.monotonic() - t0) * 1000,
                         error=f"timeout: {exc}")
            raise TargetFailure(f"{method} {url}: no answer within {timeout[1]:.0f} s",
                                f"{method} {url}: không có trả lời trong {timeout[1]:.0f} giây") from exc
        except requests.RequestException as exc:
            self._record(method, url, req_headers, body, started, (time.monotonic() - t0) * 1000,
                         error=f"{type(exc).__name__}: {exc}")
            raise TargetFailure(f"{method} {url}: cannot reach the target ({type(exc).__name__}: {exc})",
                                f"{method} {url}: không kết nối được hệ thống ({type(exc).__name__}: {exc})"
                                ) from exc
        self._record(method, response.url, sent_headers, body, started, response.elapsed_ms, response)
        return response

    # convenience verbs ------------------------------------------------------------------------
    def get(self, path: str, **kw: Any) -> HttpResponse:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> HttpResponse:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> HttpResponse:
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> HttpResponse:
        return self.request("DELETE", path, **kw)

    # internals ------------------------------------------------------------------------------------
    def _bounded_timeout(self, method: str, url: str) -> tuple[float, float]:
        deadline = _deadline.get()
        if deadline is None:
            return self.timeout
        left = deadline - time.monotonic()
        if left <= 0:
            raise TargetFailure(f"{method} {url}: the time budget for this criterion is used up",
                                f"{method} {url}: đã hết thời gian dành cho tiêu chí này")
        return (min(self.timeout[0], left), min(self.timeout[1], left))

    def _read_limited(self, resp: requests.Response, method: str, url: str) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in resp.iter_content(chunk_size=65536):
            size += len(chunk)
            if size > self.max_body:
                raise TargetFailure(
                    f"{method} {url}: the answer is larger than {self.max_body} bytes",
                    f"{method} {url}: câu trả lời lớn hơn {self.max_body} byte")
            chunks.append(chunk)
        return b"".join(chunks)

    def _record(self, method: str, url: str, headers: Mapping[str, str], body: bytes | None,
                started: datetime, elapsed_ms: float, response: HttpResponse | None = None,
                error: str | None = None) -> None:
        """Hand one exchange (or a request that got no answer) to the active recorder, if any."""
        recorder = _recorder.get()
        if recorder is None:
            return
        exchange: dict[str, Any] = {
            "kind": "http-exchange",
            "started": started.isoformat(),
            "elapsed_ms": round(elapsed_ms, 1),
            "request": {"method": method, "url": url, "headers": dict(headers)},
            "response": {"status": response.status, "headers": dict(response.headers)} if response else None,
        }
        if error is not None:
            exchange["error"] = error
        recorder.record_exchange(exchange, body, response.body if response else None, frozenset(self._secrets))


def check_status(response: HttpResponse) -> HttpResponse:
    """Return a 2xx response; turn any other status into the adapter protocol's outcome."""
    status = response.status
    if 200 <= status < 300:
        return response
    text = response.error_text()
    where = f"{response.method} {response.url}"
    if status >= 500:
        raise TargetFailure(f"{where}: the target failed with HTTP {status}: {text}",
                            f"{where}: hệ thống gặp lỗi HTTP {status}: {text}")
    if 300 <= status < 400:
        raise TargetFailure(f"{where}: unexpected redirect HTTP {status}",
                            f"{where}: chuyển hướng không mong đợi HTTP {status}")
    error_class: type[Refused] = {401: Unauthenticated, 403: Forbidden, 404: NotFound,
                                  423: AccountLocked}.get(status, Refused)
    body: Any = None
    with contextlib.suppress(ValueError):
        body = jsonlib.loads(response.body)
    raise error_class(status, f"{where}: refused with HTTP {status}: {text}",
                      f"{where}: bị từ chối với HTTP {status}: {text}", body)
