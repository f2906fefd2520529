"""The FHIR adapter's transport: the project's HTTP client plus what FHIR needs.

Retries with backoff (only for idempotent verbs, and only after 429 / 503 or a failed connection), the
response content type (``application/fhir+json``), every resource received checked against HL7's R4 JSON
schema, and bounded paging over Bundle ``next`` links (a loop or too many pages is the target's failure).
"""

from __future__ import annotations

import json as jsonlib
import time
from collections.abc import Callable, Iterator
from typing import Any

from conformance import fhir_schema
from conformance.adapters.fhir import vocab as v
from conformance.adapters.protocol import TargetFailure
from conformance.http import HttpClient, HttpResponse, check_status

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 503})
ACCEPTED_MEDIA = frozenset({v.FHIR_JSON, "application/json+fhir"})  # the second: DSTU2-era spelling


class FhirClient:
    """One target's FHIR endpoint. ``strict_schema``: a resource failing the schema is a
    :class:`TargetFailure`; otherwise it is only kept in :attr:`findings`."""

    def __init__(self, http: HttpClient, *, retries: int = 2, backoff_s: float = 0.25, max_backoff_s: float = 4.0,
                 max_pages: int = 50, strict_schema: bool = True,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.http = http
        self.retries = max(0, retries)
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.max_pages = max(1, max_pages)
        self.strict_schema = strict_schema
        self.findings: list[dict[str, Any]] = []
        self._sleep = sleep

    # sending ------------------------------------------------------------------------------------------
    def send(self, method: str, path: str, *, headers: dict[str, str] | None = None, json: Any = None,
             params: dict[str, str] | None = None, data: bytes | None = None) -> HttpResponse:
        """One request, retried with backoff when that is safe. Returns the last answer (any status)."""
        hdrs = {"Accept": v.FHIR_JSON, **(headers or {})}
        body = None
        if json is not None:
            body = jsonlib.dumps(json, ensure_ascii=False).encode()
            hdrs.setdefault("Content-Type", f"{v.FHIR_JSON}; charset=utf-8")
        elif data is not None:
            body = data
        attempt = 0
        while True:
            try:
                response = self.http.request(method, path, params=params, headers=hdrs, data=body)
            except TargetFailure as exc:
                if method not in IDEMPOTENT or attempt >= self.retries or "time budget" in exc.en:
                    raise
                self._sleep(self._delay(attempt, None))
                attempt += 1
                continue
            if response.status in RETRY_STATUSES and method in IDEMPOTENT and attempt < self.retries:
                self._sleep(self._delay(attempt, response.headers.get("Retry-After")))
                attempt += 1
                continue
            return response

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        delay = self.backoff_s * (2 ** attempt)
        if retry_after and retry_after.strip().isdigit():
            delay = max(delay, float(retry_after.strip()))
        return min(delay, self.max_backoff_s)

    # reading ------------------------------------------------------------------------------------------
    def resource(self, response: HttpResponse, expected: str | None = None) -> dict[str, Any]:
        """The resource of a successful answer: status checked (4xx → Refused, 5xx → TargetFailure),
        media type checked, schema checked."""
        check_status(response)
        where = f"{response.method} {response.url}"
        if response.media_type not in ACCEPTED_MEDIA:
            raise TargetFailure(
                f"{where}: the answer's content type is {response.media_type or 'missing'!r}, "
                f"not {v.FHIR_JSON}",
                f"{where}: kiểu nội dung của câu trả lời là {response.media_type or 'không có'!r}, "
                f"không phải {v.FHIR_JSON}")
        data = response.json()
        self.check(data, where)
        if expected is not None and (not isinstance(data, dict) or data.get("resourceType") != expected):
            got = data.get("resourceType") if isinstance(data, dict) else type(data).__name__
            raise TargetFailure(f"{where}: expected a {expected}, got {got!r}",
                                f"{where}: cần tài nguyên {expected}, nhận được {got!r}")
        assert isinstance(data, dict)
        return data

    def check(self, resource: Any, where: str) -> None:
        """Validate a resource (a Bundle's entries are validated with it) against the R4 schema."""
        report = fhir_schema.validate_resource(resource)
        if report.valid:
            return
        finding = {"where": where, **report.to_json()}
        self.findings.append(finding)
        if self.strict_schema:
            first = report.problems[0]
            raise TargetFailure(
                f"{where}: the {report.resource_type} resource does not match HL7's FHIR R4 schema "
                f"({len(report.problems)} problem(s); first at {first.path}: {first.en})",
                f"{where}: tài nguyên {report.resource_type} không đúng lược đồ FHIR R4 của HL7 "
                f"({len(report.problems)} lỗi; lỗi đầu tại {first.path}: {first.vi})")

    def pages(self, first: HttpResponse, headers: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
        """The resources of a searchset/history Bundle and its ``next`` pages (bounded, loop-safe)."""
        response = first
        seen: set[str] = set()
        for _page in range(self.max_pages):
            bundle = self.resource(response, "Bundle")
            for item in bundle.get("entry") or []:
                res = item.get("resource") if isinstance(item, dict) else None
                if isinstance(res, dict):
                    yield res
            next_url = next((link.get("url") for link in bundle.get("link") or []
                              if isinstance(link, dict) and link.get("relation") == "next"), None)
            if not next_url:
                return
            if not str(next_url).startswith(self.http.base_url + "/"):
                raise TargetFailure(f"the next link {next_url} leaves the target's base URL {self.http.base_url}",
                                    f"liên kết next {next_url} ra ngoài địa chỉ gốc {self.http.base_url}")
            if next_url in seen:
                raise TargetFailure(f"paging loops: the next link {next_url} was already followed",
                                    f"phân trang lặp: liên kết next {next_url} đã được đọc")
            seen.add(next_url)
            response = self.send("GET", next_url, headers=headers)
        raise TargetFailure(f"more than {self.max_pages} pages of results: stopped",
                            f"quá {self.max_pages} trang kết quả: dừng đọc")

