"""The reference EMR's fault switches: small, named departures from the compliant behaviour.

Each fault declares the criteria that running the appraisal with it switched on must turn to ``fail``
(or ``warn`` for a recommended criterion). The server asks :class:`FaultSet` whether a switch is on;
nothing outside the reference EMR (no probe, no criterion) looks at these names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Fault:
    name: str
    description: dict[str, str]  # {"vi": ..., "en": ...}
    criteria: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "description": dict(self.description), "criteria": list(self.criteria)}


def _f(name: str, criteria: list[str], vi: str, en: str) -> Fault:
    return Fault(name, {"vi": vi, "en": en}, criteria)


FAULTS: tuple[Fault, ...] = (
    _f("overwrite-on-edit", ["TV-01"],
       "Sửa nội dung ghi đè phiên bản hiện tại (mất lịch sử; chỉ còn một phiên bản).",
       "An edit overwrites the current version in place (history lost; only one version remains)."),
    _f("edit-without-reason", ["TV-02"],
       "Chấp nhận sửa nội dung mà không có lý do.",
       "An edit without a reason (or with an empty one) is accepted."),
    _f("hard-delete", ["TV-03"],
       "Lệnh DELETE xóa hẳn nội dung cùng mọi phiên bản (sau đó 404).",
       "DELETE physically removes the entry and all its versions (then 404)."),
    _f("cancel-without-reason", ["TV-04"],
       "Chấp nhận hủy nội dung mà không có lý do.",
       "Cancelling an entry without a reason is accepted."),
    _f("edit-signed-entry", ["TV-05"],
       "Nội dung đã ký vẫn sửa trực tiếp được.",
       "A signed entry can be edited in place."),
    _f("client-supplied-time", ["TV-06", "HT-01"],
       "Máy chủ lưu thời điểm (recorded_at) và người ghi (author) do máy khách gửi thay vì tự ghi.",
       "The server stores a client-supplied recorded_at (and author) instead of its own."),
    _f("no-read-audit", ["NK-01", "BV-02"],
       "Không ghi nhật ký các lần đọc dữ liệu.",
       "Reads are not written to the audit log."),
    _f("no-write-audit", ["NK-02"],
       "Không ghi nhật ký các thao tác tạo, sửa, hủy, khôi phục, ký, xóa.",
       "Creates, edits, cancels, restores, signatures and deletions are not written to the audit log."),
    _f("audit-mutable", ["NK-03"],
       "Quản trị viên xóa hoặc sửa được bản ghi nhật ký (PUT/DELETE /api/audit/<id>).",
       "The IT administrator can delete or change audit events (PUT/DELETE /api/audit/<id>)."),
    _f("no-denied-audit", ["NK-04"],
       "Không ghi nhật ký các yêu cầu bị từ chối (401/403) và các lần đăng nhập sai.",
       "Refused requests (401/403) and failed logins are not written to the audit log."),
    _f("open-read", ["PQ-01"],
       "Đọc bệnh nhân, đợt điều trị, nội dung bệnh án không cần đăng nhập.",
       "Patients, encounters and entries can be read without any credentials."),
    _f("flat-roles", ["PQ-02", "QC-01"],
       "Bỏ kiểm tra vai trò: mọi tài khoản đã đăng nhập đều tạo, sửa, hủy, khôi phục, đọc dữ liệu lâm sàng "
       "và nhật ký (vẫn giới hạn theo khoa).",
       "Role checks are skipped: any authenticated account may create, edit, cancel, restore, read clinical data "
       "and the audit log (department scoping stays)."),
    _f("no-department-scope", ["PQ-03", "BV-01"],
       "Bỏ giới hạn theo khoa: nhân viên khoa khác đọc và ghi được hồ sơ (kiểm tra vai trò vẫn giữ).",
       "Department scoping is skipped: staff of another department can read and write records (role checks stay)."),
    _f("no-lockout", ["PQ-04"],
       "Đăng nhập sai nhiều lần không bao giờ khóa tài khoản.",
       "Repeated failed logins never lock the account."),
    _f("token-survives-logout", ["PQ-05"],
       "Đăng xuất trả 204 nhưng mã phiên (token) vẫn dùng được.",
       "Logout answers 204 but the token stays valid."),
    # Data exports: the BHYT claim submission (QĐ 130/4750/3176) and the CV 365 record export.
    _f("claim-bad-date-format", ["XD-03"],
       "Thời điểm y lệnh thuốc (XML2 NGAY_YL) ghi ngày trước (ddmmyyyyHHMM) thay vì yyyymmddHHMM.",
       "Drug order times (XML2 NGAY_YL) are written day first (ddmmyyyyHHMM) instead of yyyymmddHHMM."),
    _f("claim-orphan-row", ["XD-05"],
       "Hồ sơ gửi kèm một dòng XML3 (0 đồng) có MA_LK không liên kết với XML1 nào.",
       "The submission carries an XML3 row (zero amount) whose MA_LK links to no XML1."),
    _f("claim-invalid-icd10", ["XD-04"],
       "Mã bệnh chính ghi R10.9, mã ICD-10-CM không có trong ICD-10 của WHO/Bộ Y tế.",
       "The main diagnosis is written R10.9, an ICD-10-CM code absent from WHO ICD-10 (the Ministry's list)."),
    _f("claim-totals-mismatch", ["XD-06"],
       "T_TONGCHI_BV của XML1 lớn hơn tổng THANH_TIEN_BV của XML2 và XML3 1.000 đồng.",
       "XML1 T_TONGCHI_BV exceeds the sum of THANH_TIEN_BV over XML2 and XML3 by 1,000 VND."),
    _f("claim-unsigned", ["XD-08"],
       "Hồ sơ gửi BHXH không có chữ ký số của cơ sở (CHUKYDONVI rỗng).",
       "The submission carries no facility signature (CHUKYDONVI is empty)."),
    _f("claim-modified-after-signing", ["XD-08"],
       "Ngày lập (NGAYLAP) bị sửa sau khi ký: chữ ký không còn khớp nội dung.",
       "The creation date (NGAYLAP) is changed after signing: the signature no longer matches the content."),
    _f("claim-signature-partial-scope", ["XD-08"],
       "Chữ ký số của cơ sở chỉ bao THONGTINHOSO, không bao toàn bộ GIAMDINHHS.",
       "The facility signature covers THONGTINHOSO only, not the whole GIAMDINHHS."),
    _f("claim-missing-referral", ["XD-09"],
       "Người bệnh chuyển tuyến nhưng hồ sơ không có bảng XML13 (giấy chuyển tuyến).",
       "A referred patient's submission lacks table XML13 (the referral paper)."),
    _f("claim-paper-unsigned", ["XD-09"],
       "Giấy chuyển tuyến (XML13) và giấy hẹn khám lại (XML14) không mang chữ ký số của cơ sở.",
       "The referral (XML13) and appointment (XML14) papers carry no facility signature."),
    _f("record-export-missing-group", ["XD-10"],
       "Bản trích xuất HSBA (CV 365) thiếu nhóm ThongTinDieuTri.",
       "The CV 365 record export lacks the ThongTinDieuTri group."),
    _f("record-export-cccd-number", ["XD-11"],
       "Bản trích xuất HSBA ghi cccd_so dạng số (JSON) hoặc bỏ số 0 đầu (XML), làm mất số 0 đứng đầu.",
       "The CV 365 record export writes cccd_so as a number (JSON) or without its leading zeros (XML)."),
    _f("record-export-undotted-icd", ["XD-12"],
       "Bản trích xuất HSBA ghi maicd không có dấu chấm (J189 thay vì J18.9).",
       "The CV 365 record export writes maicd without its dot (J189 instead of J18.9)."),
    # Chữ ký số và tài liệu PDF — signatures and record documents (signatures topic)
    _f("document-unsigned", ["KY-01"],
       "Phiếu kết quả xét nghiệm được phát hành dạng PDF mà không có chữ ký số nào.",
       "The laboratory result sheet is issued as a PDF without any digital signature."),
    _f("signature-image-only", ["KY-01"],
       "Phiếu điều trị chỉ mang hình ảnh chữ ký tay dán vào, không có chữ ký số.",
       "The treatment sheet carries only a pasted image of a handwritten signature, no digital signature."),
    _f("document-modified-after-signing", ["KY-02"],
       "Nội dung trang của phiếu điều trị bị sửa bằng một lần cập nhật sau khi đã ký.",
       "The treatment sheet's page content is rewritten by an incremental update after signing."),
    _f("signer-certificate-expired", ["KY-03"],
       "Điều dưỡng ký phiếu điều trị bằng chứng thư số đã hết hạn.",
       "The nurse signs the treatment sheet with an expired certificate."),
    _f("signer-certificate-revoked", ["KY-04"],
       "Bác sĩ ký bằng chứng thư số đã bị thu hồi trước thời điểm ký.",
       "The doctor signs with a certificate revoked before the signing time."),
    _f("signer-certificate-untrusted", ["KY-05"],
       "Bác sĩ ký bằng chứng thư số do một tổ chức chứng thực không được tin cậy cấp.",
       "The doctor signs with a certificate issued by an untrusted certification authority."),
    _f("signer-without-title", ["KY-06", "KY-08"],
       "Chứng thư số của bác sĩ không ghi chức danh (nên cũng không xác định được vai trò ký theo quy chế).",
       "The doctor's certificate states no title (so the signing role required by the policy cannot be seen)."),
    _f("wrong-signing-order", ["KY-08"],
       "Điều dưỡng ký phiếu điều trị trước bác sĩ điều trị.",
       "The nurse signs the treatment sheet before the treating doctor."),
    _f("no-facility-final-signature", ["KY-09"],
       "Hồ sơ bệnh án khi ra viện không có chữ ký số cuối cùng của cơ sở.",
       "The medical record archived at discharge lacks the facility's final signature."),
    _f("print-without-conversion-mark", ["BM-02"],
       "Bản in của tài liệu điện tử không có dấu hiệu chuyển đổi (hệ thống, chủ quản, mã tra cứu, thời gian, "
       "người chuyển đổi).",
       "The printed copy of an electronic document lacks the conversion mark (system, owner, lookup code, time, "
       "converter)."),
    _f("confirmation-without-evidence", ["KY-10"],
       "Xác nhận của người bệnh (OTP, sinh trắc, chữ ký điện tử) được ghi mà không lưu bản ghi bằng chứng nào.",
       "A patient's confirmation (OTP, biometrics, e-signature) is recorded with no evidence record at all."),
)

_BY_NAME = {f.name: f for f in FAULTS}


class UnknownFault(ValueError):
    """A fault name that does not exist; the message lists the valid names (both languages)."""

    def __init__(self, names: list[str]) -> None:
        valid = ", ".join(_BY_NAME)
        self.vi = f"không có lỗi giả lập tên {', '.join(names)}; các tên hợp lệ: {valid}"
        self.en = f"unknown fault {', '.join(names)}; valid names: {valid}"
        super().__init__(f"{self.vi} / {self.en}")


def list_faults() -> list[Fault]:
    """Every fault the reference EMR offers, in a stable order."""
    return list(FAULTS)


def faults_json() -> list[dict[str, Any]]:
    """The faults as ``[{name, description: {vi, en}, criteria: [...]}]``."""
    return [f.to_json() for f in FAULTS]


def get_fault(name: str) -> Fault:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UnknownFault([name]) from None


class FaultSet:
    """The faults switched on for one server run."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        names = list(dict.fromkeys(names))
        unknown = [n for n in names if n not in _BY_NAME]
        if unknown:
            raise UnknownFault(unknown)
        self.names: frozenset[str] = frozenset(names)

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str) and name not in _BY_NAME:
            raise UnknownFault([name])  # a typo in the server's own code must not pass silently
        return name in self.names

    def __bool__(self) -> bool:
        return bool(self.names)

    def sorted(self) -> list[str]:
        return [f.name for f in FAULTS if f.name in self.names]
