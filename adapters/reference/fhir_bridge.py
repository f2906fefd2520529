"""The FHIR facade's way into the reference EMR: each FHIR request becomes one request to the REST API,
handled in-process by the same application (same checks, same audit trail, same faults).

Cầu nối: mỗi yêu cầu FHIR được chuyển thành đúng một yêu cầu tới API REST của chính ứng dụng.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import current_app, request


@dataclass(frozen=True)
class Answer:
    status: int
    data: Any
    headers: dict[str, str]

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def error(self) -> tuple[str, str]:
        """The REST API's bilingual error message (vi, en)."""
        err = self.data.get("error") if isinstance(self.data, dict) else None
        if isinstance(err, dict):
            return str(err.get("vi") or ""), str(err.get("en") or "")
        return f"Lỗi HTTP {self.status}.", f"HTTP error {self.status}."


def forward(method: str, path: str, *, json_body: Any = None, params: dict[str, str] | None = None,
            authorization: str | None = None) -> Answer:
    """Send ``method path`` to the REST API as the caller (its Authorization header unless given, its
    client address), and return the answer."""
    auth = request.headers.get("Authorization") if authorization is None else authorization
    headers = {"Authorization": auth} if auth else {}
    client = current_app.test_client()
    kwargs: dict[str, Any] = {"method": method, "headers": headers, "query_string": params or {},
                              "environ_base": {"REMOTE_ADDR": request.remote_addr or ""}}
    if json_body is not None:
        kwargs["data"] = json.dumps(json_body, ensure_ascii=False).encode()
        kwargs["content_type"] = "application/json"
    response = client.open(path, **kwargs)
    data: Any = None
    if response.data:
        try:
            data = json.loads(response.data)
        except ValueError:
            data = None
    keep = {k: v for k, v in response.headers.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")}
    return Answer(response.status_code, data, keep)
