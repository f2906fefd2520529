"""Identifier systems, extension URLs and codes the FHIR adapter reads and writes.

Hệ định danh, phần mở rộng và mã mà bộ kết nối FHIR dùng.

National identifiers follow the draft VN Core IG (canonical ``http://fhir.ehealth.gov.vn/core``); the
harness's own extensions (change reason, entry status, audit chain) live under one base URL. Every system
can be overridden per target in ``[adapter_options]`` (see :class:`Vocabulary`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FHIR_JSON = "application/fhir+json"
VN_CORE = "http://fhir.ehealth.gov.vn/core"
NATIONAL_ID_SYSTEM = f"{VN_CORE}/sid/national_id"
HSBA = "https://hsba-conformance.example/fhir"
EXT_CHANGE_REASON = f"{HSBA}/StructureDefinition/change-reason"
EXT_ENTRY_STATUS = f"{HSBA}/StructureDefinition/entry-status"
EXT_AUDIT_CHAIN = f"{HSBA}/StructureDefinition/audit-chain"  # the exact hash-chained record, as JSON text
EXT_AUDIT_OUTCOME = f"{HSBA}/StructureDefinition/audit-outcome"
DEPARTMENT_SYSTEM = f"{HSBA}/sid/department"
USERNAME_SYSTEM = f"{HSBA}/sid/username"
ROLE_SYSTEM = f"{HSBA}/CodeSystem/role"
ENTRY_KIND_SYSTEM = f"{HSBA}/CodeSystem/entry-kind"
ENCOUNTER_KIND_SYSTEM = f"{HSBA}/CodeSystem/encounter-kind"
AUDIT_ACTION_SYSTEM = f"{HSBA}/CodeSystem/audit-action"
OBJECT_TYPE_SYSTEM = f"{HSBA}/CodeSystem/object-type"
OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
DICOM_DCM = "http://dicom.nema.org/resources/ontology/DCM"

# operations on DocumentReference the harness uses for cancel / restore / sign
OP_CANCEL, OP_RESTORE, OP_SIGN = "cancel", "restore", "sign"

# encounter kind (the harness's words) ↔ FHIR Encounter.class (v3 ActCode)
ENCOUNTER_CLASS = {"noi-tru": "IMP", "ngoai-tru": "AMB", "cap-cuu": "EMER"}

# audit action (protocol) → AuditEvent.action (C R U D E)
AUDIT_ACTION_CODE = {"create": "C", "read": "R", "update": "U", "delete": "D"}
# protocol outcome → AuditEvent.outcome (0 success, 4 minor failure, 8 serious failure)
AUDIT_OUTCOME_CODE = {"success": "0", "denied": "4", "failure": "8"}


@dataclass(frozen=True)
class Vocabulary:
    national_id_system: str = NATIONAL_ID_SYSTEM
    department_system: str = DEPARTMENT_SYSTEM

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> Vocabulary:
        return cls(national_id_system=str(options.get("national_id_system") or NATIONAL_ID_SYSTEM),
                   department_system=str(options.get("department_system") or DEPARTMENT_SYSTEM))
