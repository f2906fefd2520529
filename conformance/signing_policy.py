"""A facility's signing policy: who signs which document, in which order, and how strictly signatures are judged.

Quy chế ký của cơ sở: loại tài liệu nào cần những chức danh nào ký, theo thứ tự nào; mức ràng buộc khi
thẩm định chữ ký (theo kiểu chính sách của EU DSS: FAIL / WARN / INFORM / IGNORE).

The default ships as ``fixtures/policy/signing-policy.yaml`` (TT 13/2025 Đ3, Đ6 k3 b leave the rules to the
facility; the default follows the practice described in REQUIREMENTS §3). A facility passes its own file with
``--policy FILE``. Roles are recognised by the signer's title (chức danh) in the certificate; the facility's own
signature by an organisation certificate (no title, common name equal to the organisation).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from conformance.messages import Msg
from conformance.resources import data_path

LEVELS = ("FAIL", "WARN", "INFORM", "IGNORE")
FACILITY_ROLE = "co_so"
MAX_POLICY_BYTES = 256 * 1024


class PolicyError(Exception):
    def __init__(self, message: Msg) -> None:
        super().__init__(message.en)
        self.message = message


@dataclass(frozen=True)
class Constraints:
    """How each property of a signature weighs in its indication (a FAIL constraint that is not met turns a
    passing signature INDETERMINATE / SIG_CONSTRAINTS_FAILURE; WARN and INFORM are reported only)."""

    signer_title: str = "FAIL"
    signing_time: str = "FAIL"
    signature_timestamp: str = "WARN"
    revocation_data_embedded: str = "INFORM"
    annotations_after_signing: str = "WARN"


@dataclass(frozen=True)
class Role:
    id: str
    title: Msg
    titles: tuple[str, ...]  # the chức danh values that identify this role in a certificate


@dataclass(frozen=True)
class DocumentRule:
    type: str
    title: Msg
    signers: tuple[str, ...]  # role ids in the required order
    facility_final: bool = False  # the facility signs last, over the whole document


@dataclass(frozen=True)
class SigningPolicy:
    name: str
    roles: dict[str, Role]
    documents: dict[str, DocumentRule]
    constraints: Constraints = field(default_factory=Constraints)
    source: str = ""

    @property
    def known_titles(self) -> tuple[str, ...]:
        return tuple(t for r in self.roles.values() for t in r.titles)

    def role_of_title(self, title: str | None) -> str | None:
        if not title:
            return None
        folded = title.casefold().strip()
        for role in self.roles.values():
            if any(folded == t.casefold() for t in role.titles):
                return role.id
        return None


def _msg(value: Any, where: str) -> Msg:
    if not isinstance(value, dict) or not value.get("vi") or not value.get("en"):
        raise PolicyError(Msg(f"{where}: cần tiêu đề song ngữ {{vi, en}}", f"{where}: needs a bilingual {{vi, en}}"))
    return Msg(str(value["vi"]), str(value["en"]))


def parse_policy(data: Any, source: str = "") -> SigningPolicy:
    """Build a policy from its YAML structure; every problem is a :class:`PolicyError` with a bilingual message."""
    if not isinstance(data, dict):
        raise PolicyError(Msg("tệp quy chế ký phải là một bảng YAML", "the signing policy must be a YAML mapping"))
    roles: dict[str, Role] = {}
    for rid, spec in (data.get("roles") or {}).items():
        if not isinstance(spec, dict) or not isinstance(spec.get("titles"), list) or not spec["titles"]:
            raise PolicyError(Msg(f"vai trò {rid}: cần danh sách chức danh (titles)",
                                  f"role {rid}: needs a list of titles"))
        roles[str(rid)] = Role(str(rid), _msg(spec.get("title"), f"roles.{rid}"), tuple(map(str, spec["titles"])))
    documents: dict[str, DocumentRule] = {}
    for dtype, spec in (data.get("documents") or {}).items():
        if not isinstance(spec, dict):
            raise PolicyError(Msg(f"tài liệu {dtype}: sai cấu trúc", f"document {dtype}: malformed"))
        signers = tuple(str(s) for s in spec.get("signers") or [])
        unknown = [s for s in signers if s not in roles]
        if unknown:
            raise PolicyError(Msg(f"tài liệu {dtype}: vai trò chưa khai báo {unknown}",
                                  f"document {dtype}: undeclared roles {unknown}"))
        documents[str(dtype)] = DocumentRule(str(dtype), _msg(spec.get("title"), f"documents.{dtype}"), signers,
                                             bool(spec.get("facility_final", False)))
    raw_constraints = data.get("constraints") or {}
    values: dict[str, str] = {}
    for key, level in raw_constraints.items():
        if key not in Constraints.__dataclass_fields__ or str(level).upper() not in LEVELS:
            raise PolicyError(Msg(f"ràng buộc không hợp lệ: {key}: {level}", f"invalid constraint: {key}: {level}"))
        values[key] = str(level).upper()
    return SigningPolicy(str(data.get("name", "unnamed")), roles, documents, Constraints(**values), source)


def load_policy(path: Path | str | None = None) -> SigningPolicy:
    """The policy in ``path``, or the project's default."""
    target = Path(path) if path is not None else data_path("fixtures", "policy", "signing-policy.yaml")
    try:
        if target.stat().st_size > MAX_POLICY_BYTES:
            raise PolicyError(Msg(f"tệp quy chế ký quá lớn: {target}", f"signing policy file too large: {target}"))
        data = yaml.safe_load(target.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(Msg(f"không đọc được tệp quy chế ký {target}: {exc.strerror}",
                              f"cannot read the signing policy {target}: {exc.strerror}")) from None
    except yaml.YAMLError as exc:
        raise PolicyError(Msg(f"tệp quy chế ký không phải YAML hợp lệ: {exc}",
                              f"the signing policy is not valid YAML: {exc}")) from None
    return parse_policy(data, str(target))


@dataclass(frozen=True)
class SignerSeen:
    """One signature of a document as the order check sees it."""

    title: str | None
    facility: bool  # an organisation certificate (the facility's own signature)
    covers_whole_document: bool = True  # last revision, or only form filling / LTA updates after it


def check_document(policy: SigningPolicy, doc_type: str, signers: list[SignerSeen]) -> tuple[list[Msg], list[Msg]]:
    """Judge one document's signatures against its rule: (order problems, facility-signature problems).

    Order: the required roles must each appear, and the first signature of each role must come in the rule's
    order. Facility: when the rule asks for it, the last signature must be the facility's, covering the whole
    document. A document type the policy does not know has no rule (no problems)."""
    rule = policy.documents.get(doc_type)
    if rule is None:
        return [], []
    roles = [FACILITY_ROLE if s.facility else policy.role_of_title(s.title) for s in signers]
    order: list[Msg] = []
    first: dict[str, int] = {}
    for i, role in enumerate(roles):
        if role is not None and role not in first:
            first[role] = i
    missing = [r for r in rule.signers if r not in first]
    for r in missing:
        t = policy.roles[r].title
        order.append(Msg(f"{rule.title.vi}: thiếu chữ ký của {t.vi}", f"{rule.title.en}: no signature by {t.en}"))
    present = [r for r in rule.signers if r in first]
    for earlier, later in itertools.pairwise(present):
        if first[later] < first[earlier]:
            a, b = policy.roles[earlier].title, policy.roles[later].title
            order.append(Msg(f"{rule.title.vi}: {b.vi} ký trước {a.vi} (sai thứ tự quy định)",
                             f"{rule.title.en}: {b.en} signed before {a.en} (wrong order)"))
    facility: list[Msg] = []
    if rule.facility_final:
        if not signers or not signers[-1].facility:
            facility.append(Msg(f"{rule.title.vi}: chữ ký cuối cùng không phải chữ ký số của cơ sở",
                                f"{rule.title.en}: the last signature is not the facility's"))
        elif not signers[-1].covers_whole_document:
            facility.append(Msg(f"{rule.title.vi}: chữ ký của cơ sở không bao trùm toàn bộ tài liệu",
                                f"{rule.title.en}: the facility's signature does not cover the whole document"))
    return order, facility
