"""The electronic prescription code (mã đơn thuốc điện tử): ``xxxxxyyyyyyy-z``.

Mã đơn thuốc: 5 ký tự mã cơ sở, 7 ký tự ngẫu nhiên (chữ hoặc số), dấu '-', rồi ký tự loại đơn.

Per the requirements digest (TT 26/2025/TT-BYT; QĐ 808/QĐ-BYT): ``xxxxx`` the facility's 5-character code,
``yyyyyyy`` seven random letters or digits (their case is as issued — unverified), ``-``, then ``z`` the type:
N (ordinary), H (addictive / psychotropic / precursor), C (other controlled), T (herbal; unverified).
"""

from __future__ import annotations

import re

TYPES = {"N": ("đơn thông thường", "ordinary"), "H": ("đơn gây nghiện, hướng thần, tiền chất",
         "addictive, psychotropic or precursor drugs"), "C": ("thuốc kiểm soát đặc biệt khác", "other controlled"),
         "T": ("đơn thuốc cổ truyền / dược liệu (chưa kiểm chứng)", "herbal (unverified)")}
CODE = re.compile(r"(?P<facility>[A-Za-z0-9]{5})(?P<random>[A-Za-z0-9]{7})-(?P<type>[A-Z])")
MAX_LENGTH = 64


def check(code: object, *, kind: str | None = None, facility: str | None = None) -> list[tuple[str, str]]:
    """Problems of one prescription code (empty when it conforms); ``kind``/``facility``: what it must carry."""
    if not isinstance(code, str) or not code:
        return [("không có mã đơn thuốc", "no prescription code")]
    shown = code[:MAX_LENGTH]
    m = CODE.fullmatch(code) if len(code) <= MAX_LENGTH else None
    if m is None:
        return [(f"mã {shown!r} không theo dạng xxxxxyyyyyyy-z (5 + 7 ký tự chữ/số, '-', 1 chữ loại đơn)",
                 f"code {shown!r} does not follow xxxxxyyyyyyy-z (5 + 7 letters/digits, '-', one type letter)")]
    problems: list[tuple[str, str]] = []
    if m["type"] not in TYPES:
        problems.append((f"mã {code!r}: loại đơn {m['type']!r} không phải N, H, C hoặc T",
                         f"code {code!r}: type {m['type']!r} is not N, H, C or T"))
    elif kind is not None and m["type"] != kind:
        problems.append((f"mã {code!r}: loại đơn {m['type']!r} khác loại đã kê ({kind!r})",
                         f"code {code!r}: type {m['type']!r} differs from the prescription's type ({kind!r})"))
    if facility is not None and m["facility"] != facility:
        problems.append((f"mã {code!r}: phần mã cơ sở {m['facility']!r} khác mã cơ sở {facility!r}",
                         f"code {code!r}: the facility part {m['facility']!r} is not the facility code {facility!r}"))
    return problems
