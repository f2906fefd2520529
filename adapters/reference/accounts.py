"""The reference facility's staff accounts and departments, and where their passwords come from.

The account *key* (``bac_si``, ``bac_si_khoa_khac``...) is the name used everywhere by the harness:
the target file's ``[accounts.KEY]`` table and ``adapter.session(KEY)``. Its password is read from the
environment variable ``HSBA_PW_<KEY upper-cased>`` when the database is first created.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

REFERENCE_NAME = "HSBA Reference EMR"
FACILITY_NAME = "Bệnh viện Đa khoa HSBA Thử nghiệm (TEST)"
FACILITY_CODE = "99999"

DEPARTMENTS: dict[str, str] = {
    "noi": "Khoa Nội",
    "ngoai": "Khoa Ngoại",
    "san": "Khoa Sản",
    "nhi": "Khoa Nhi",
    "cap-cuu": "Khoa Cấp cứu",
}

ROLES: dict[str, dict[str, str]] = {
    "bac_si": {"vi": "Bác sĩ", "en": "Physician"},
    "dieu_duong": {"vi": "Điều dưỡng", "en": "Nurse"},
    "ky_thuat_vien": {"vi": "Kỹ thuật viên", "en": "Technician"},
    "truong_khoa": {"vi": "Trưởng khoa", "en": "Head of department"},
    "giam_doc": {"vi": "Giám đốc", "en": "Director"},
    "quan_tri": {"vi": "Quản trị hệ thống", "en": "IT administrator"},
}


@dataclass(frozen=True)
class AccountSpec:
    key: str
    user_id: str  # staff code (mã nhân viên): what entries and audit events name
    username: str
    full_name: str
    role: str
    department: str | None  # None: the whole facility

    @property
    def env_var(self) -> str:
        return password_env(self.key)


ACCOUNTS: tuple[AccountSpec, ...] = (
    AccountSpec("bac_si", "NV0001", "bs.an", "Nguyễn Văn An", "bac_si", "noi"),
    AccountSpec("dieu_duong", "NV0002", "dd.binh", "Trần Thị Bình", "dieu_duong", "noi"),
    AccountSpec("ky_thuat_vien", "NV0003", "ktv.cuong", "Lê Văn Cường", "ky_thuat_vien", "noi"),
    AccountSpec("truong_khoa", "NV0004", "tk.dung", "Phạm Văn Dũng", "truong_khoa", "noi"),
    AccountSpec("giam_doc", "NV0005", "gd.em", "Hoàng Thị Em", "giam_doc", None),
    AccountSpec("quan_tri", "NV0006", "qt.giang", "Vũ Văn Giang", "quan_tri", None),
    AccountSpec("bac_si_khoa_khac", "NV0007", "bs.hai", "Đặng Văn Hải", "bac_si", "ngoai"),
    AccountSpec("tai_khoan_khoa", "NV0008", "bs.khoa", "Ngô Văn Khoa", "bac_si", "noi"),
    # live-system probes: an account whose access window the time-window probe (PQ-06) changes
    AccountSpec("tai_khoan_gio", "NV0009", "bs.gio", "Lý Văn Giờ", "bac_si", "noi"),
)


def password_env(key: str) -> str:
    """The environment variable holding the password of account ``key``."""
    return f"HSBA_PW_{key.upper()}"


def account_env() -> list[tuple[str, str]]:
    """``(account key, password environment variable)`` for every account, in a stable order."""
    return [(a.key, a.env_var) for a in ACCOUNTS]


def random_password() -> str:
    return secrets.token_urlsafe(18)


def passwords_from_env(environ: Mapping[str, str] | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """Passwords for every account key: ``(passwords by key, generated ones by env var)``.

    A variable that is set (and not empty) wins; a missing one gets a fresh random password, which the
    caller must report to whoever needs to log in.
    """
    env = os.environ if environ is None else environ
    passwords: dict[str, str] = {}
    generated: dict[str, str] = {}
    for spec in ACCOUNTS:
        value = env.get(spec.env_var)
        if not value:
            value = random_password()
            generated[spec.env_var] = value
        passwords[spec.key] = value
    return passwords, generated
