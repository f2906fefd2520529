"""The reference facility's access policy: who may do what, and in which department.

Two independent checks, each switchable by a fault: the *role* check (what a role may do at all) and
the *department* scope (staff with a department see only that department's records; staff without one,
such as the director, work across the facility).
"""

from __future__ import annotations

from conformance.adapters.reference.auth import User
from conformance.adapters.reference.faults import FaultSet

CLINICAL_READERS = frozenset({"bac_si", "dieu_duong", "ky_thuat_vien", "truong_khoa", "giam_doc"})
AUDIT_READERS = frozenset({"quan_tri", "giam_doc"})
PATIENT_CREATORS = frozenset({"bac_si", "dieu_duong", "truong_khoa"})
ENCOUNTER_CREATORS = frozenset({"bac_si", "truong_khoa"})
ENTRY_CREATORS = frozenset({"bac_si", "dieu_duong", "ky_thuat_vien", "truong_khoa"})


class Policy:
    def __init__(self, faults: FaultSet) -> None:
        self.flat_roles = "flat-roles" in faults
        self.no_scope = "no-department-scope" in faults

    # the two building blocks ----------------------------------------------------------------------
    def role_in(self, user: User, roles: frozenset[str]) -> bool:
        return self.flat_roles or user.role in roles

    def in_scope(self, user: User | None, department: str | None) -> bool:
        """Whether ``user`` works in ``department``; ``None`` user: an open read (no scope at all)."""
        if user is None or self.no_scope or user.department is None:
            return True
        return department == user.department

    # reading ------------------------------------------------------------------------------------
    def may_read_clinical(self, user: User | None) -> bool:
        return user is None or self.role_in(user, CLINICAL_READERS)

    def may_read_patient(self, user: User | None, encounter_departments: list[str]) -> bool:
        """A patient without any encounter is readable by every clinical reader; otherwise one of its
        encounters must be in the reader's department."""
        if not self.may_read_clinical(user):
            return False
        return not encounter_departments or any(self.in_scope(user, d) for d in encounter_departments)

    def may_read_department(self, user: User | None, department: str) -> bool:
        return self.may_read_clinical(user) and self.in_scope(user, department)

    def may_read_audit(self, user: User) -> bool:
        return self.role_in(user, AUDIT_READERS)

    # writing ------------------------------------------------------------------------------------
    def may_create_patient(self, user: User) -> bool:
        return self.role_in(user, PATIENT_CREATORS)

    def may_create_encounter(self, user: User, department: str) -> bool:
        return self.role_in(user, ENCOUNTER_CREATORS) and self.in_scope(user, department)

    def may_create_entry(self, user: User, department: str) -> bool:
        return self.role_in(user, ENTRY_CREATORS) and self.in_scope(user, department)

    def may_edit(self, user: User, department: str, created_by: str) -> bool:
        allowed = self.flat_roles or user.id == created_by or user.role == "truong_khoa"
        return allowed and self.in_scope(user, department)

    def may_cancel(self, user: User, department: str, created_by: str) -> bool:
        allowed = self.flat_roles or (user.role == "bac_si" and user.id == created_by) or user.role == "truong_khoa"
        return allowed and self.in_scope(user, department)

    def may_restore(self, user: User, department: str) -> bool:
        return self.role_in(user, frozenset({"truong_khoa"})) and self.in_scope(user, department)

    def may_sign(self, user: User, department: str, created_by: str) -> bool:
        return user.id == created_by and self.in_scope(user, department)

    def may_delete(self, user: User, department: str, created_by: str) -> bool:
        """Who may physically delete (only ever reachable with the ``hard-delete`` fault): as for editing."""
        return self.may_edit(user, department, created_by)
