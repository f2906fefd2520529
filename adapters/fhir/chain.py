"""Checking a hash-chained audit log carried in FHIR AuditEvents.

Each AuditEvent carries the exact record its server chained (extension ``audit-chain``, JSON text); the
chain rules are those of the reference EMR's API.md (SHA-256 over canonical JSON, ``prev_hash`` links,
``seq`` without gaps). A record that disagrees with its own AuditEvent (id, action, time) breaks the chain.
"""

from __future__ import annotations

import json
from typing import Any

from conformance.adapters.fhir import mapping
from conformance.adapters.fhir import vocab as v
from conformance.adapters.protocol import AuditChainReport, Unsupported
from conformance.adapters.reference.mapping import check_chain


def check_fhir_chain(resources: list[dict[str, Any]]) -> AuditChainReport:
    records: list[dict[str, Any]] = []
    for index, res in enumerate(resources):
        text = mapping.extension(res, v.EXT_AUDIT_CHAIN)
        if not isinstance(text, str):
            raise Unsupported("audit-chain", f"AuditEvent {res.get('id')} carries no chained record",
                              f"AuditEvent {res.get('id')} không mang bản ghi chuỗi băm")
        try:
            record = json.loads(text)
        except ValueError:
            return AuditChainReport(index, str(res.get("id")), "the chained record is not JSON")
        event = mapping.audit_event(res)
        if not isinstance(record, dict) or record.get("id") != event.id or record.get("action") != event.action \
                or record.get("time") != res.get("recorded"):
            return AuditChainReport(index, str(res.get("id")), "the chained record disagrees with its AuditEvent")
        records.append(record)
    records.sort(key=lambda r: r["seq"] if isinstance(r.get("seq"), int) else 0)
    return check_chain(records)
