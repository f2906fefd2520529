"""Rules across rows and tables: linkage (XD-05), amounts (XD-06), dates (XD-07), required tables (XD-09).

Quy tắc liên bảng: liên kết MA_LK (XD-05), số tiền (XD-06), logic ngày (XD-07), các bảng bắt buộc (XD-09).

Each formula is written as its row in the QĐ 3176 spreadsheet states it (cited in the message). A rule whose
inputs already failed a field check, or whose rows failed linkage, is skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from conformance.bhyt.structure import Table
from conformance.findings import Finding
from conformance.messages import Msg

Bad = set[tuple[str, int, str]]  # (table, row, field) whose value failed a field check
TOLERANCE = Decimal("0.01")
IDENTITY = ("MA_BN", "HO_TEN", "NGAY_SINH", "GIOI_TINH", "MA_THE_BHYT", "SO_CCCD")
INPATIENT = ("03", "04", "06")  # Bang 8, ghi chú dòng 26
WITH_XML5 = ("02", "03", "04", "05", "06", "08", "09")  # Bang 5, ghi chú dòng 13
REFERRAL_RV = ("2", "5")  # Bang 13, ghi chú dòng 43
DISCHARGE_RV = ("1", "4")  # ra viện, xin ra viện (Bang 1, dòng 45)
SIGNED_PAPERS_FROM = date(2026, 6, 1)  # TT 06/2026 Đ5 k2 (REQUIREMENTS §2 row 23)


def _value(table: Table, row: int, name: str, bad: Bad) -> str | None:
    value = table.rows[row].get(name, "")
    return None if not value or (table.name, row + 1, name) in bad else value


def _dec(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def linkage(tables: list[Table], bad: Bad, add: Callable[[Finding], None]) -> set[str]:
    """XD-05. Returns the tables with a row that links nowhere (their sums are not judged)."""
    broken: set[str] = set()
    xml1 = [t for t in tables if t.name == "XML1"]
    if len(xml1) != 1 or not xml1[0].rows:
        add(Finding("XD-05:XML1.count", "error", Msg(f"cần đúng một bảng XML1, có {len(xml1)}",
                                                     f"exactly one XML1 table is expected, found {len(xml1)}"),
                    "XML1"))
        return {t.name for t in tables}
    head = xml1[0].rows[0]
    ma_lk = head.get("MA_LK", "")
    for table in tables:
        if table.name == "XML1":
            continue
        for index, row in enumerate(table.rows):
            if row.get("MA_LK", "") != ma_lk:
                broken.add(table.name)
                add(Finding(f"XD-05:{table.name}.MA_LK.link", "error", Msg(
                    f"{table.name} dòng {index + 1}: MA_LK '{row.get('MA_LK', '')[:40]}' không liên kết tới XML1 "
                    f"('{ma_lk[:40]}')", f"{table.name} row {index + 1}: MA_LK '{row.get('MA_LK', '')[:40]}' links "
                    f"to no XML1 ('{ma_lk[:40]}')"), table.name, "MA_LK", index + 1))
                continue
            for name in IDENTITY:
                if name not in row or not row[name] or not head.get(name):
                    continue
                if (table.name, index + 1, name) in bad or ("XML1", 1, name) in bad:
                    continue
                if row[name] != head[name]:
                    add(Finding(f"XD-05:{table.name}.{name}.identity", "error", Msg(
                        f"{table.name} dòng {index + 1}: {name} khác với XML1",
                        f"{table.name} row {index + 1}: {name} differs from XML1's"), table.name, name, index + 1))
    return broken


def amounts(tables: list[Table], bad: Bad, broken: set[str], add: Callable[[Finding], None]) -> None:
    """XD-06: THANH_TIEN_BV per row (Bang 2 dòng 22; Bang 3 dòng 22 as amended by QĐ 3176) and the XML1 totals
    T_THUOC (Bang 1 dòng 48), T_VTYT (dòng 49), T_TONGCHI_BV (dòng 50)."""
    by_name = {t.name: t for t in tables}
    sums: dict[str, Decimal | None] = {"XML2": Decimal(0), "XML3": Decimal(0), "VTYT": Decimal(0)}
    for tname, unit in (("XML2", "DON_GIA"), ("XML3", "DON_GIA_BV")):
        table = by_name.get(tname)
        if table is None:
            continue
        for index, _row in enumerate(table.rows):
            qty = _dec(_value(table, index, "SO_LUONG", bad))
            price = _dec(_value(table, index, unit, bad))
            total = _dec(_value(table, index, "THANH_TIEN_BV", bad))
            if total is None:
                sums[tname] = None
                continue
            current = sums[tname]
            sums[tname] = None if current is None else current + total
            if tname == "XML3" and table.rows[index].get("MA_VAT_TU"):
                vtyt = sums["VTYT"]
                sums["VTYT"] = None if vtyt is None else vtyt + total
            if qty is None or price is None:
                continue
            if tname == "XML2":
                expected = [_money(qty * price)]
                formula = "SO_LUONG × DON_GIA (Bang 2_Thuoc, dòng 22)"
            else:
                rate = _dec(_value(table, index, "TYLE_TT_DV", bad))
                rate = Decimal(100) if rate is None else rate
                bh = _dec(_value(table, index, "DON_GIA_BH", bad)) or Decimal(0)
                expected = [_money(qty * price * rate / 100),
                            _money(qty * price - qty * bh * (100 - rate) / 100)]
                formula = "SO_LUONG × DON_GIA_BV × TYLE_TT_DV / 100 (Bang 3_DVKT, VTYT, dòng 22, QĐ 3176)"
            if all(abs(total - e) > TOLERANCE for e in expected):
                add(Finding(f"XD-06:{tname}.THANH_TIEN_BV.formula", "error", Msg(
                    f"{tname} dòng {index + 1}: THANH_TIEN_BV {total} ≠ {formula} = {expected[0]}",
                    f"{tname} row {index + 1}: THANH_TIEN_BV {total} ≠ {formula} = {expected[0]}"),
                    tname, "THANH_TIEN_BV", index + 1))
    xml1 = by_name.get("XML1")
    if xml1 is None or not xml1.rows:
        return
    checks = (("T_THUOC", ["XML2"], sums["XML2"], "Σ THANH_TIEN_BV XML2 (Bang 1_Tong hop, dòng 48)"),
              ("T_VTYT", ["XML3"], sums["VTYT"], "Σ THANH_TIEN_BV XML3 có MA_VAT_TU (Bang 1_Tong hop, dòng 49)"),
              ("T_TONGCHI_BV", ["XML2", "XML3"],
               None if sums["XML2"] is None or sums["XML3"] is None else sums["XML2"] + sums["XML3"],
               "Σ THANH_TIEN_BV XML2 + XML3 (Bang 1_Tong hop, dòng 50)"))
    for name, sources, total, formula in checks:
        stated = _dec(_value(xml1, 0, name, bad))
        if stated is None or total is None or any(s in broken for s in sources):
            continue
        if abs(stated - total) > TOLERANCE:
            add(Finding(f"XD-06:XML1.{name}.sum", "error", Msg(
                f"XML1 {name} = {stated} ≠ {formula} = {total}", f"XML1 {name} = {stated} ≠ {formula} = {total}"),
                "XML1", name, 1))


def _moment(text: str | None) -> datetime | None:
    """A date-time already checked by XD-03 (12 digits, a real moment)."""
    if text is None or len(text) != 12 or not text.isdigit():
        return None
    try:
        return datetime(int(text[:4]), int(text[4:6]), int(text[6:8]), int(text[8:10]), int(text[10:12]))
    except ValueError:
        return None


def dates(tables: list[Table], bad: Bad, add: Callable[[Finding], None]) -> None:
    """XD-07: NGAY_RA ≥ NGAY_VAO in every table that has both; SO_NGAY_DTRI per Bang 1 dòng 42 (QĐ 3176)."""
    for table in tables:
        for index, _row in enumerate(table.rows):
            vao = _moment(_value(table, index, "NGAY_VAO", bad))
            ra = _moment(_value(table, index, "NGAY_RA", bad))
            if vao and ra and ra < vao:
                add(Finding(f"XD-07:{table.name}.NGAY_RA.order", "error", Msg(
                    f"{table.name} dòng {index + 1}: NGAY_RA trước NGAY_VAO",
                    f"{table.name} row {index + 1}: NGAY_RA is before NGAY_VAO"), table.name, "NGAY_RA", index + 1))
    xml1 = next((t for t in tables if t.name == "XML1" and t.rows), None)
    if xml1 is None:
        return
    vao = _moment(_value(xml1, 0, "NGAY_VAO", bad))
    vao_nt = _moment(_value(xml1, 0, "NGAY_VAO_NOI_TRU", bad))
    ra = _moment(_value(xml1, 0, "NGAY_RA", bad))
    days_text = _value(xml1, 0, "SO_NGAY_DTRI", bad)
    kind = _value(xml1, 0, "MA_LOAI_KCB", bad)
    if not (vao and ra and days_text and kind) or ra < vao or not days_text.isdigit():
        return
    days = int(days_text)
    span = (ra.date() - vao.date()).days + 1
    cite = "Bang 1_Tong hop, dòng 42 (QĐ 3176)"
    problem: tuple[str, str] | None = None
    if kind == "09" and days != 0:
        problem = ("SO_NGAY_DTRI phải là 0 khi MA_LOAI_KCB = 09", "SO_NGAY_DTRI must be 0 when MA_LOAI_KCB = 09")
    elif kind in INPATIENT:
        allowed = {span} | ({(ra.date() - vao_nt.date()).days + 1} if vao_nt and vao_nt <= ra else set())
        if days not in allowed:
            problem = (f"SO_NGAY_DTRI = {days}, phải là NGAY_RA − NGAY_VAO + 1 = {span}",
                       f"SO_NGAY_DTRI = {days}, must be NGAY_RA − NGAY_VAO + 1 = {span}")
    elif kind in ("02", "08") and days > span:
        problem = (f"SO_NGAY_DTRI = {days} vượt số ngày của đợt điều trị ({span})",
                   f"SO_NGAY_DTRI = {days} exceeds the days of the episode ({span})")
    if problem:
        add(Finding("XD-07:XML1.SO_NGAY_DTRI.days", "error", Msg(f"{problem[0]} ({cite})", f"{problem[1]} ({cite})"),
                    "XML1", "SO_NGAY_DTRI", 1))


def required_tables(tables: list[Table], bad: Bad, add: Callable[[Finding], None]) -> list[str]:
    """XD-09: the tables an encounter requires. Returns the papers (XML13/XML14) that must carry a signature."""
    present = {t.name for t in tables}
    xml1 = next((t for t in tables if t.name == "XML1" and t.rows), None)
    if xml1 is None:
        return []
    kind = _value(xml1, 0, "MA_LOAI_KCB", bad) or ""
    rv = _value(xml1, 0, "MA_LOAI_RV", bad) or ""
    need: list[tuple[str, str, str, str]] = []  # table, severity, why vi, why en
    if (_dec(_value(xml1, 0, "T_THUOC", bad)) or 0) > 0:
        need.append(("XML2", "error", "T_THUOC > 0 (Bang 1, dòng 48)", "T_THUOC > 0 (Bang 1, row 48)"))
    tong = _dec(_value(xml1, 0, "T_TONGCHI_BV", bad)) or Decimal(0)
    thuoc = _dec(_value(xml1, 0, "T_THUOC", bad)) or Decimal(0)
    if tong - thuoc > TOLERANCE:
        need.append(("XML3", "error", "T_TONGCHI_BV > T_THUOC (Bang 1, dòng 50)", "T_TONGCHI_BV > T_THUOC (row 50)"))
    if kind in WITH_XML5:
        need.append(("XML5", "error", f"MA_LOAI_KCB = {kind} (Bang 5, ghi chú dòng 13)",
                     f"MA_LOAI_KCB = {kind} (Bang 5, note row 13)"))
    if kind in INPATIENT and rv in DISCHARGE_RV:
        need.append(("XML7", "error", f"ra viện nội trú, MA_LOAI_RV = {rv} (giấy ra viện, Bang 7)",
                     f"inpatient discharge, MA_LOAI_RV = {rv} (discharge paper, Bang 7)"))
    if kind in INPATIENT:
        need.append(("XML8", "warning", f"MA_LOAI_KCB = {kind} (Bang 8, ghi chú dòng 26)",
                     f"MA_LOAI_KCB = {kind} (Bang 8, note row 26)"))
    if rv in REFERRAL_RV:
        need.append(("XML13", "error", f"MA_LOAI_RV = {rv} (Bang 13, ghi chú dòng 43)",
                     f"MA_LOAI_RV = {rv} (Bang 13, note row 43)"))
    if _value(xml1, 0, "NGAY_TAI_KHAM", bad):
        need.append(("XML14", "error", "có NGAY_TAI_KHAM (Bang 14, ghi chú dòng 26)",
                     "NGAY_TAI_KHAM is set (Bang 14, note row 26)"))
    for table, severity, why_vi, why_en in need:
        if table not in present:
            add(Finding(f"XD-09:{table}.required", severity, Msg(f"thiếu bảng {table}: {why_vi}",
                                                                 f"table {table} is missing: {why_en}"), table))
    return [t for t in ("XML13", "XML14") if t in present]
