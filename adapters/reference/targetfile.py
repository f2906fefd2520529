"""Writing a target file (TOML) that points the harness at a running reference EMR."""

from __future__ import annotations

import json
from pathlib import Path

import conformance
from conformance.adapters.reference.accounts import ACCOUNTS, FACILITY_CODE, FACILITY_NAME, REFERENCE_NAME
from conformance.adapters.reference.claims_seed import SAMPLE_EXPORT_ENCOUNTERS


def _s(value: str) -> str:
    """A TOML basic string (JSON string escaping is valid TOML)."""
    return json.dumps(value, ensure_ascii=False)


def target_toml(base_url: str, ca_file: str | Path | None, adapter: str = "reference") -> str:
    """``adapter="fhir"``: the same server through its FHIR R4 facade (``/fhir``, OAuth2 client credentials)."""
    if adapter == "fhir":
        base_url = base_url.rstrip("/") + "/fhir"
    lines = [
        "# Target file for the embedded reference EMR (written by hsba).",
        "# Tệp cấu hình hệ thống cần thẩm định: HSBA Reference EMR.",
        "[target]",
        f"name = {_s(REFERENCE_NAME)}",
        f"adapter = {_s(adapter)}",
        f"base_url = {_s(base_url)}",
    ]
    if ca_file is not None:
        lines.append(f"ca_file = {_s(str(Path(ca_file).resolve()))}")
    lines += [
        "connect_timeout = 5",
        "read_timeout = 20",
        'trust = "test-pki"  # signatures by the test PKI are trusted: the reference EMR signs with it',
        "",
        "[facility]",
        f"name = {_s(FACILITY_NAME)}",
        f"code = {_s(FACILITY_CODE)}",
        "",
        "[product]",
        f"name = {_s(REFERENCE_NAME)}",
        f"version = {_s(conformance.__version__)}",
        "",
        "[exports]",
        f"encounters = [{', '.join(_s(e) for e in SAMPLE_EXPORT_ENCOUNTERS)}]",
        "",
        "# The BHYT claim probe exports the referred sample episode (its claim carries the most tables: XML13).",
        '[probes."exports.bhyt_claim"]',
        f"encounter = {_s(SAMPLE_EXPORT_ENCOUNTERS[1])}",
    ]
    if adapter == "fhir":
        lines += ["", "[adapter_options]", 'auth = "oauth2"']
    for spec in ACCOUNTS:
        lines += ["", f"[accounts.{spec.key}]", f"username = {_s(spec.username)}",
                  f"password_env = {_s(spec.env_var)}"]
    return "\n".join(lines) + "\n"


def write_target_file(path: str | Path, base_url: str, ca_file: str | Path | None, adapter: str = "reference") -> None:
    """Write a target TOML for a reference EMR listening at ``base_url``; ``ca_file`` is the CA bundle to trust
    (written as an absolute path). Passwords are not written: only the names of their environment variables."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(target_toml(base_url, ca_file, adapter), encoding="utf-8")
