"""Target files: which EMR to appraise and how to reach it (TOML).

    [target]
    name = "EMR của Bệnh viện X"
    adapter = "reference"            # a built-in adapter name, or "package.module:ClassName"
    base_url = "https://127.0.0.1:8443"
    ca_file = "pki/root-ca.pem"      # trust anchor for HTTPS, relative to this file (omit: system store)
    connect_timeout = 5              # seconds
    read_timeout = 20                # seconds
    trust = "trust"                  # CA folder judging the target's signatures, relative to this file, or
                                     # "test-pki" (the project's test PKI: demo and tests only); omit: none trusted

    [facility]                       # shown in the report
    name = "Bệnh viện X"
    code = "01001"

    [product]
    name = "EMR X"
    version = "3.2"

    [accounts.bac_si]                # one table per role; the password is read from the environment
    username = "bs.an"
    password_env = "HSBA_PW_BAC_SI"

    [exports]
    folder = "exports"               # relative to this file
    encounters = ["enc-1", "enc-2"]  # finished episodes whose exports (BHYT claim, CV 365 record) are checked

    [adapter_options]                # anything the adapter itself needs

    [probes."exports.bhyt_claim"]    # the facility's own values for a probe's parameters (they override the
    encounter = "enc-1"              # criterion's `with`), e.g. which finished episode a probe exports

Passwords never appear in the file: only the names of the environment variables that hold them.
"""

from __future__ import annotations

import importlib
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from conformance.adapters.protocol import Adapter
from conformance.messages import Msg
from conformance.trust import TrustStore, TrustStoreError

TEST_PKI = "test-pki"  # the [target] trust value naming the project's own test PKI

# Built-in adapters, by name. Resolved lazily so the engine imports no specific adapter.
BUILTIN_ADAPTERS = {
    "reference": "conformance.adapters.reference.adapter:ReferenceAdapter",
    "fhir": "conformance.adapters.fhir.adapter:FhirAdapter",
}


class TargetError(Exception):
    """The target file is missing, malformed or incomplete (a configuration error, exit code 2)."""

    def __init__(self, message: Msg) -> None:
        super().__init__(message.en)
        self.message = message


@dataclass(frozen=True)
class RoleAccount:
    role: str
    username: str
    password_env: str | None
    password: str | None  # read from ``password_env``; None when that variable is unset


@dataclass(frozen=True)
class TargetConfig:
    path: Path
    name: str
    adapter: str
    base_url: str
    verify: bool | str  # True: the system trust store; a path: that CA bundle
    timeout: tuple[float, float]
    accounts: dict[str, RoleAccount]
    export_folder: Path | None = None
    facility: dict[str, Any] = field(default_factory=dict)
    product: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    trust: str | None = None  # "test-pki", or the absolute path of a trust folder; None: nothing trusted
    export_encounters: tuple[str, ...] = ()
    probe_params: dict[str, dict[str, Any]] = field(default_factory=dict)  # probe name → parameters

    def trust_store(self) -> TrustStore | None:
        """The trust store the target file names (None when it names none). Raises :class:`TargetError`
        when the folder cannot be used."""
        if self.trust is None:
            return None
        try:
            return TrustStore.test_pki() if self.trust == TEST_PKI else TrustStore.load(self.trust)
        except TrustStoreError as exc:
            raise TargetError(exc.message) from None

    def secrets(self) -> set[str]:
        return {a.password for a in self.accounts.values() if a.password}

    def describe(self) -> dict[str, Any]:
        """What results.json says about the target (never a secret)."""
        return {"name": self.name, "adapter": self.adapter, "base_url": self.base_url,
                "facility": dict(self.facility), "product": dict(self.product)}


def _err(vi: str, en: str) -> TargetError:
    return TargetError(Msg(vi, en))


def load_target(path: str | Path, environ: Mapping[str, str] | None = None) -> TargetConfig:
    env = os.environ if environ is None else environ
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _err(f"không tìm thấy tệp cấu hình hệ thống: {path}", f"target file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _err(f"không đọc được tệp {path}: {exc}", f"cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise _err(f"{path}: TOML không hợp lệ: {exc}", f"{path}: invalid TOML: {exc}") from None

    target = data.get("target")
    if not isinstance(target, dict):
        raise _err(f"{path}: thiếu bảng [target]", f"{path}: the [target] table is missing")
    for key in ("adapter", "base_url"):
        if not isinstance(target.get(key), str) or not target[key]:
            raise _err(f"{path}: [target] thiếu khóa '{key}'", f"{path}: [target] lacks '{key}'")
    base = path.parent
    verify: bool | str = True
    if target.get("ca_file"):
        ca = (base / str(target["ca_file"])).resolve()
        if not ca.is_file():
            raise _err(f"{path}: không tìm thấy ca_file {ca}", f"{path}: ca_file {ca} not found")
        verify = str(ca)
    try:
        timeout = (float(target.get("connect_timeout", 5)), float(target.get("read_timeout", 20)))
    except (TypeError, ValueError):
        raise _err(f"{path}: thời gian chờ phải là số", f"{path}: timeouts must be numbers") from None

    accounts: dict[str, RoleAccount] = {}
    for role, acc in (data.get("accounts") or {}).items():
        if not isinstance(acc, dict) or not isinstance(acc.get("username"), str):
            raise _err(f"{path}: [accounts.{role}] cần 'username'", f"{path}: [accounts.{role}] needs 'username'")
        if "password" in acc:
            raise _err(f"{path}: [accounts.{role}] không được ghi mật khẩu trong tệp; dùng password_env",
                       f"{path}: [accounts.{role}] must not hold a password; use password_env")
        env_name = acc.get("password_env")
        accounts[role] = RoleAccount(role, acc["username"], env_name, env.get(env_name) if env_name else None)

    trust = target.get("trust")
    if trust is not None and (not isinstance(trust, str) or not trust):
        raise _err(f"{path}: [target] trust phải là \"{TEST_PKI}\" hoặc một thư mục",
                   f"{path}: [target] trust must be \"{TEST_PKI}\" or a folder")
    if trust is not None and trust != TEST_PKI:
        trust = str((base / trust).resolve())
    exports = data.get("exports") or {}
    folder = (base / exports["folder"]).resolve() if exports.get("folder") else None
    encounters = exports.get("encounters", [])
    if not isinstance(encounters, list) or not all(isinstance(e, str) and e for e in encounters):
        raise _err(f"{path}: [exports] encounters phải là danh sách mã đợt điều trị",
                   f"{path}: [exports] encounters must be a list of encounter ids")
    probe_params = data.get("probes") or {}
    if not isinstance(probe_params, dict) or not all(isinstance(v, dict) for v in probe_params.values()):
        raise _err(f"{path}: [probes] phải gồm các bảng [probes.\"tên.phép_thử\"]",
                   f"{path}: [probes] must hold tables [probes.\"probe.name\"]")
    return TargetConfig(
        path=path.resolve(), name=str(target.get("name") or target["base_url"]), adapter=target["adapter"],
        base_url=target["base_url"], verify=verify, timeout=timeout, accounts=accounts,
        export_folder=folder, facility=dict(data.get("facility") or {}),
        product=dict(data.get("product") or {}), options=dict(data.get("adapter_options") or {}),
        trust=trust, export_encounters=tuple(encounters),
        probe_params={str(k): dict(v) for k, v in probe_params.items()})


def make_adapter(config: TargetConfig) -> Adapter:
    """Instantiate the adapter the target file names."""
    spec = BUILTIN_ADAPTERS.get(config.adapter, config.adapter)
    module_name, _, class_name = spec.partition(":")
    if not class_name:
        raise _err(f"bộ kết nối không rõ: '{config.adapter}' (tên có sẵn: {', '.join(BUILTIN_ADAPTERS)}, "
                   "hoặc 'gói.mô_đun:Lớp')",
                   f"unknown adapter '{config.adapter}' (built-in: {', '.join(BUILTIN_ADAPTERS)}, "
                   "or 'package.module:Class')")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise _err(f"không nạp được bộ kết nối '{spec}': {exc}", f"cannot load adapter '{spec}': {exc}") from None
    if not (isinstance(cls, type) and issubclass(cls, Adapter)):
        raise _err(f"'{spec}' không phải một Adapter", f"'{spec}' is not an Adapter")
    adapter: Adapter = cast(Callable[[TargetConfig], Adapter], cls)(config)
    return adapter
