"""Keep secrets out of evidence: headers, JSON fields, and known secret values anywhere in text."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "[REDACTED]"

SECRET_HEADERS = frozenset({
    "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-auth-token",
    "x-access-token", "x-csrf-token",
})
SECRET_FIELDS = frozenset({
    "password", "passwd", "pwd", "secret", "client_secret", "token", "access_token", "refresh_token",
    "id_token", "api_key", "apikey", "otp", "pin", "private_key", "authorization",
})
_SECRET_FIELD_RE = re.compile(
    r'("(?:' + "|".join(sorted(SECRET_FIELDS)) + r')"\s*:\s*)"(?:[^"\\]|\\.)*"', re.IGNORECASE)


def scrub_text(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of a known secret value, longest first."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def redact_headers(headers: Mapping[str, str], secrets: Iterable[str] = ()) -> dict[str, str]:
    known = list(secrets)
    return {name: REDACTED if name.lower() in SECRET_HEADERS else scrub_text(str(value), known)
            for name, value in headers.items()}


def redact_url(url: str, secrets: Iterable[str] = ()) -> str:
    """Redact secret query parameters and any known secret value in a URL."""
    parts = urlsplit(url)
    if parts.query:
        query = [(k, REDACTED if k.lower() in SECRET_FIELDS else v)
                 for k, v in parse_qsl(parts.query, keep_blank_values=True)]
        url = urlunsplit(parts._replace(query=urlencode(query, safe="[]")))
    if parts.password:
        url = url.replace(f":{parts.password}@", f":{REDACTED}@")
    return scrub_text(url, secrets)


def _redact_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (REDACTED if isinstance(k, str) and k.lower() in SECRET_FIELDS and v not in (None, "")
                    else _redact_json(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_json(v) for v in value]
    return value


def secret_values_in(value: Any) -> set[str]:
    """The values of secret-named fields in a JSON document (so they can be scrubbed elsewhere too)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str) and k.lower() in SECRET_FIELDS and isinstance(v, str) and len(v) >= 4:
                found.add(v)
            else:
                found |= secret_values_in(v)
    elif isinstance(value, list):
        for v in value:
            found |= secret_values_in(v)
    return found


def redact_body(body: bytes, media_type: str, secrets: Iterable[str] = ()) -> tuple[bytes, set[str]]:
    """A body with secret JSON fields and known secret values replaced.

    Returns the redacted body and the secret values found in it (tokens in a login answer, say),
    which the caller should scrub from everything else it keeps.
    """
    known = set(secrets)
    found: set[str] = set()
    if "json" in media_type or body[:1] in (b"{", b"["):
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            doc = None
        if doc is not None:
            found = secret_values_in(doc)
            text = json.dumps(_redact_json(doc), ensure_ascii=False, indent=1)
            return scrub_text(text, known | found).encode(), found
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        data = body
        for secret in sorted(known, key=len, reverse=True):
            data = data.replace(secret.encode(), REDACTED.encode())
        return data, found
    text = _SECRET_FIELD_RE.sub(lambda m: f'{m.group(1)}"{REDACTED}"', text)
    if "x-www-form-urlencoded" in media_type:
        pairs = parse_qsl(text, keep_blank_values=True)
        text = urlencode([(k, REDACTED if k.lower() in SECRET_FIELDS else v) for k, v in pairs])
    return scrub_text(text, known).encode(), found


# Patient identifiers in what people read (report.html / report.pdf) -------------------------------------------
# CCCD: 12 digits; BHYT card number: 2 letters, then 13 digits (QĐ 1666/QĐ-BHXH: object code, benefit level,
# province, number); a person's name after a label such as "bệnh nhân", "người bệnh", "họ tên", "patient".
_CCCD_RE = re.compile(r"(?<!\d)(\d{3})\d{7}(\d{2})(?!\d)")
_BHYT_RE = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2})\d{11}(\d{2})(?![A-Za-z0-9])")
_UPPER = "A-ZÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝĂĐĨŨƠƯẠ-ỸỲ"
_WORD = rf"[{_UPPER}][^\s\d,.;:()\[\]{{}}\"'/]*"
_LABEL = r"(?i:(bệnh nhân|người bệnh|họ và tên|họ tên|patient(?:'s)? name|patient))"
_NAMED_RE = re.compile(rf"{_LABEL}(\s*[:=]?\s*)((?:{_WORD}\s+){{0,4}}{_WORD})")


def _mask_word(word: str) -> str:
    return word[0] + "*" * (len(word) - 1)


def mask_identifiers(text: str, names: Iterable[str] = ()) -> str:
    """Text with patient identifiers masked: CCCD and BHYT card numbers keep their first and last characters,
    names (known ones, and any after a patient label) keep each word's initial."""
    text = _CCCD_RE.sub(lambda m: f"{m.group(1)}{'*' * 7}{m.group(2)}", text)
    text = _BHYT_RE.sub(lambda m: f"{m.group(1)}{'*' * 11}{m.group(2)}", text)
    for name in sorted((n for n in names if n and n.strip()), key=len, reverse=True):
        text = text.replace(name, " ".join(_mask_word(w) for w in name.split()))
    return _NAMED_RE.sub(lambda m: m.group(1) + m.group(2) + " ".join(_mask_word(w) for w in m.group(3).split()),
                         text)
