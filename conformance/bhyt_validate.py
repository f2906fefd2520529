"""Validate one BHYT claim submission (GIAMDINHHS, QĐ 130/4750/3176): the one implementation shared by
``hsba validate-export`` and the export probes.

Kiểm tra một gói hồ sơ giám định BHYT: cấu trúc, kiểu, kích thước, định dạng, mã, liên kết, số tiền, ngày, các bảng
bắt buộc và chữ ký số của cơ sở (CHUKYDONVI).

Findings carry their criterion in the rule id (``XD-03:XML1.NGAY_VAO.datetime12``), so a probe judges one
criterion from the findings that belong to it. No pytest in here.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path

from conformance.bhyt import cross
from conformance.bhyt.fields import check_value
from conformance.bhyt.spec import load_spec
from conformance.bhyt.structure import read_envelope
from conformance.findings import FileResult, Finding
from conformance.messages import Msg
from conformance.signature_report import FileSignatures
from conformance.trust import TOTAL_PASSED, TrustStore
from conformance.xml_safety import DEFAULT_LIMITS, Deadline, Limits, UnsafeXML, parse_xml
from conformance.xmlsig import NS, verify_tree

FORMAT = "xml130"


def criterion_of(finding: Finding) -> str:
    """``XD-03`` for ``XD-03:XML1.NGAY_VAO.datetime12``."""
    return finding.rule.split(":", 1)[0]


def _read(source: bytes | str | Path, limits: Limits) -> tuple[bytes, str]:
    if isinstance(source, bytes | bytearray):
        return bytes(source), "<bytes>"
    path = Path(source)
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise UnsafeXML(Msg(f"tệp {size} byte vượt giới hạn {limits.max_file_bytes}",
                            f"file of {size} bytes exceeds the limit of {limits.max_file_bytes}"), "size")
    return path.read_bytes(), str(path)


def validate_claim_file(source: bytes | str | Path, *, name: str | None = None, trust: TrustStore | None = None,
                        skip_signature: bool = False, limits: Limits = DEFAULT_LIMITS,
                        at: datetime | None = None) -> FileResult:
    """Validate one submission file (path or bytes). Never raises for bad input: an unreadable or refused file
    is an ``error`` verdict with its message; defects are findings (``invalid``)."""
    started = time.monotonic()
    result = FileResult(file=name or (str(source) if not isinstance(source, bytes | bytearray) else "<bytes>"),
                        format=FORMAT)
    try:
        deadline = Deadline(limits.max_seconds)
        data, _ = _read(source, limits)
        root = parse_xml(data, limits=limits, what=result.file)
        _validate(root, result, trust=trust, skip_signature=skip_signature, limits=limits, deadline=deadline, at=at,
                  source=data)
    except UnsafeXML as exc:
        result.message = exc.message
        result.details["refused"] = exc.kind
    except OSError as exc:
        result.message = Msg(f"không đọc được tệp: {exc.strerror}", f"cannot read the file: {exc.strerror}")
    except RecursionError:
        result.message = Msg("cấu trúc lồng quá sâu", "structure nested too deeply")
    except Exception as exc:  # a verdict, never a crash
        result.message = Msg(f"lỗi khi kiểm tra: {type(exc).__name__}: {exc}",
                             f"error while checking: {type(exc).__name__}: {exc}")
    result.details["seconds"] = round(time.monotonic() - started, 4)
    return result


def _validate(root: object, result: FileResult, *, trust: TrustStore | None, skip_signature: bool, limits: Limits,
              deadline: Deadline, at: datetime | None, source: bytes | None = None) -> None:
    from lxml import etree

    assert isinstance(root, etree._Element)
    findings: list[Finding] = []
    env = read_envelope(root, load_spec(), limits, deadline, findings)
    spec = load_spec(env.ngaylap)  # the dated overlay applies from the submission's date
    result.findings.extend(findings)
    add = result.findings.append
    bad: cross.Bad = set()
    for table in env.tables:
        deadline.check(table.name)
        fields = spec.tables[table.name].fields
        for number, row in enumerate(table.rows, start=1):
            for name, value in row.items():
                if not value:
                    continue
                fs = fields[name]
                if fs.plain and len(value) <= fs.limit:
                    continue  # the common case, decided here without a call
                if not check_value(fs, value, number, spec, add):
                    bad.add((table.name, number, name))
    result.details["tables"] = {t.name: len(t.rows) for t in env.tables}
    if env.tables:
        broken = cross.linkage(env.tables, bad, add)
        cross.amounts(env.tables, bad, broken, add)
        cross.dates(env.tables, bad, add)
        papers = cross.required_tables(env.tables, bad, add)
    else:
        papers = []
    if skip_signature:
        result.details["signature"] = "skipped"
        return
    deadline.check("signature")
    _envelope_signature(root, result, trust, at, source)
    for table in env.tables:
        if table.name in papers and table.root is not None:
            _paper_signature(table.name, table.root, env.ngaylap, result, trust, at, table.source)


def _envelope_signature(root: object, result: FileResult, trust: TrustStore | None, at: datetime | None,
                        source: bytes | None) -> None:
    from lxml import etree

    assert isinstance(root, etree._Element)
    holder = root.find("CHUKYDONVI")
    signatures = FileSignatures(file=result.file)
    if root.tag == "GIAMDINHHS":
        signatures = verify_tree(root, name=result.file, trust=trust, at=at, required=root, source=source)
    result.details["signatures"] = signatures.to_json()
    everywhere = root.xpath("//ds:Signature", namespaces=NS)
    mine = [signatures.signatures[i] for i, el in enumerate(everywhere)
            if holder is not None and el.getparent() is holder and i < len(signatures.signatures)]
    if not mine:
        result.findings.append(Finding("XD-08:CHUKYDONVI.missing", "error", Msg(
            "không có chữ ký số của cơ sở trong CHUKYDONVI", "no facility signature in CHUKYDONVI"),
            None, "CHUKYDONVI"))
        return
    if not any(s.indication == TOTAL_PASSED for s in mine):
        worst = mine[0]
        result.findings.append(Finding(f"XD-08:CHUKYDONVI.{(worst.sub_indication or 'failed').lower()}", "error", Msg(
            f"chữ ký CHUKYDONVI không đạt ({worst.indication}/{worst.sub_indication}): "
            f"{worst.message.vi if worst.message else ''}",
            f"the CHUKYDONVI signature does not pass ({worst.indication}/{worst.sub_indication}): "
            f"{worst.message.en if worst.message else ''}"), None, "CHUKYDONVI"))


def _paper_signature(table: str, troot: object, ngaylap: date | None, result: FileResult,
                     trust: TrustStore | None, at: datetime | None, source: bytes | None) -> None:
    from lxml import etree

    assert isinstance(troot, etree._Element)
    report = verify_tree(troot, name=f"{result.file}#{table}", trust=trust, at=at, required=troot, source=source)
    result.details.setdefault("paper_signatures", {})[table] = report.to_json()
    in_force = ngaylap is not None and ngaylap >= cross.SIGNED_PAPERS_FROM
    if any(s.indication == TOTAL_PASSED for s in report.signatures):
        return
    severity = "error" if in_force else "info"
    what = "không có chữ ký số" if not report.signatures else "chữ ký số không đạt"
    what_en = "carries no digital signature" if not report.signatures else "has a signature that does not pass"
    result.findings.append(Finding(f"XD-09:{table}.signature", severity, Msg(
        f"{table} {what} của cơ sở (bắt buộc từ 01/06/2026, TT 06/2026 Đ5 k2)",
        f"{table} {what_en} of the facility (required from 2026-06-01, TT 06/2026 Art. 5 cl. 2)"), table))
