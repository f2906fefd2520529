"""Sample finished episodes of the reference EMR, the ones its exports are shown on.

Hai đợt điều trị nội trú mẫu đã kết thúc (ra viện có hẹn khám lại; chuyển tuyến), với đủ dữ liệu cho hồ sơ giám định
BHYT và bản trích xuất HSBA theo Công văn 365. Mã, giá và số hiệu đều là dữ liệu thử nghiệm.

The encounters have fixed ids (:data:`SAMPLE_EXPORT_ENCOUNTERS`) so the demo's target file can name them in
``[exports] encounters``. Prices are whole VND so every formula holds exactly; codes are test values.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from conformance.adapters.reference import audit, claims, records
from conformance.adapters.reference.db import to_utc_text
from conformance.adapters.reference.faults import FaultSet

_DISCHARGED = "enc-mau-noitru-01"
_REFERRED = "enc-mau-chuyentuyen-02"
SAMPLE_EXPORT_ENCOUNTERS: tuple[str, ...] = (_DISCHARGED, _REFERRED)

_PNEUMONIA: dict[str, Any] = {
    "patient": {"national_id": "001062000404", "name": "Phạm Văn Tuấn", "birth_date": "1962-05-20", "sex": "nam"},
    "department": "noi",
    "admitted": "2025-11-03T08:30:00+07:00",
    "entries": [
        ("NV0001", "benh-su", "2025-11-03T09:05:00+07:00",
         "Sốt 39 °C 3 ngày, ho có đờm vàng, khó thở nhẹ. Phổi phải có ran nổ đáy."),
        ("NV0001", "dien-bien", "2025-11-05T08:00:00+07:00",
         "Hết sốt, còn ho ít, SpO2 97 %. Tiếp tục kháng sinh."),
        ("NV0001", "tong-ket", "2025-11-07T09:30:00+07:00",
         "Ổn định, cho ra viện, hẹn khám lại sau 2 tuần."),
    ],
    "episode": {
        "ethnicity": "01", "nationality": "000", "occupation": "00", "blood_group": "O", "rh": "+",
        "address": "Số 12 ngõ 34 phố Thử Nghiệm, phường Mẫu, quận Ba Đình, Hà Nội",
        "province": "01", "district": "001", "commune": "00001", "phone": "0912000404",
        "card": {"number": "HC4010120000123", "from": "20250101", "to": "20251231", "registered_at": "99999",
                 "area": "", "five_years": ""},
        "patient_code": "BN2025000404", "record_number": "NT-2025-000123", "weight_kg": "62.50",
        "visit_type": "03", "beneficiary": "1.1", "benefit_pct": 80,
        "inpatient_from": "2025-11-03T09:15:00+07:00", "ended": "2025-11-07T10:00:00+07:00",
        "paid": "2025-11-07T10:30:00+07:00",
        "reason": "Sốt cao, ho, khó thở", "inpatient_reason": "Viêm phổi cần điều trị kháng sinh tĩnh mạch",
        "diagnosis_in": "Viêm phổi", "diagnosis_out": "Viêm phổi thùy dưới phải; Tăng huyết áp; Đái tháo đường típ 2",
        "icd_main": "J18.9", "icd_other": ["I10", "E11.9"], "treatment": "Kháng sinh tĩnh mạch, hạ sốt, bù dịch",
        "outcome": 2, "discharge_kind": 1, "doctor_note": "Uống thuốc đủ liều, tái khám sau 2 tuần",
        "doctor": "NV0001", "head_of_department": "NV0004", "director_code": "0199999001",
        "drugs": [
            {"code": "40.17", "name": "Ceftriaxon", "unit": "Lọ", "strength": "1g", "route": "2.10",
             "form": "Bột pha tiêm", "dose": "2 lọ/ngày", "usage": "Tiêm tĩnh mạch chậm", "reg": "VD-00001-25",
             "tender": "G1;N1;2025;01", "group": 4, "qty": 8, "price": 35000, "ordered": "2025-11-03T09:30:00+07:00"},
            {"code": "40.50", "name": "Paracetamol", "unit": "Viên", "strength": "500mg", "route": "1.01",
             "form": "Viên nén", "dose": "1 viên khi sốt > 38,5 °C", "usage": "Uống", "reg": "VD-00002-25",
             "tender": "G1;N1;2025;02", "group": 4, "qty": 10, "price": 1500, "ordered": "2025-11-03T09:30:00+07:00"},
            {"code": "40.999", "name": "Natri clorid 0,9%", "unit": "Chai", "strength": "500ml", "route": "2.15",
             "form": "Dung dịch tiêm truyền", "dose": "1 chai/ngày", "usage": "Truyền tĩnh mạch",
             "reg": "VD-00003-25", "tender": "G1;N1;2025;03", "group": 4, "qty": 4, "price": 12000,
             "ordered": "2025-11-03T09:30:00+07:00"},
        ],
        "services": [
            {"code": "02.1896", "name": "Khám Nội", "unit": "Lần", "group": 13, "qty": 1, "price": 39000,
             "ordered": "2025-11-03T08:35:00+07:00"},
            {"code": "K02.1906", "name": "Ngày giường bệnh Nội khoa loại 1", "unit": "Ngày", "group": 15, "qty": 4,
             "price": 250000, "ordered": "2025-11-03T09:15:00+07:00"},
            {"code": "22.0121.1370", "name": "Tổng phân tích tế bào máu ngoại vi", "unit": "Lần", "group": 1,
             "qty": 1, "price": 46000, "ordered": "2025-11-03T09:00:00+07:00", "result": "2025-11-03T10:00:00+07:00"},
            {"code": "18.0119.0028", "name": "Chụp X-quang ngực thẳng", "unit": "Lần", "group": 2, "qty": 1,
             "price": 65000, "ordered": "2025-11-03T09:00:00+07:00", "result": "2025-11-03T09:40:00+07:00"},
            {"code": "", "supply": "N03.01.070", "name": "Bơm tiêm nhựa 10ml", "unit": "Cái", "group": 10, "qty": 8,
             "price": 1000, "ordered": "2025-11-03T09:30:00+07:00"},
        ],
        "results": [
            {"service": "22.0121.1370", "code": "WBC", "name": "Số lượng bạch cầu", "value": "14.2",
             "unit": "G/L", "time": "2025-11-03T10:00:00+07:00", "reader": "NV0003"},
            {"service": "22.0121.1370", "code": "NEUT%", "name": "Tỷ lệ bạch cầu trung tính", "value": "82",
             "unit": "%", "time": "2025-11-03T10:00:00+07:00", "reader": "NV0003"},
            {"service": "18.0119.0028", "code": "XQ-NGUC", "name": "X-quang ngực thẳng", "value": "", "unit": "",
             "description": "Đám mờ thùy dưới phổi phải", "conclusion": "Hình ảnh viêm phổi thùy dưới phải",
             "time": "2025-11-03T09:40:00+07:00", "reader": "NV0001", "imaging": True},
        ],
        "discharge": {"paper_date": "20251107", "note": "Nghỉ ngơi, ăn uống đủ chất"},
        "appointment": {"number": "HK-2025-000045", "date": "20251121", "issued": "20251107"},
    },
}

_HEART_FAILURE: dict[str, Any] = {
    "patient": {"national_id": "001155000505", "name": "Lê Thị Hạnh", "birth_date": "1955-09-12", "sex": "nu"},
    "department": "noi",
    "admitted": "2025-11-10T14:00:00+07:00",
    "entries": [
        ("NV0001", "benh-su", "2025-11-10T14:20:00+07:00", "Khó thở khi nằm, phù hai chân 1 tuần."),
        ("NV0004", "hoi-chan", "2025-11-12T08:00:00+07:00",
         "Hội chẩn khoa: suy tim mất bù không đáp ứng, chuyển tuyến trên."),
    ],
    "episode": {
        "ethnicity": "01", "nationality": "000", "occupation": "00", "blood_group": "A", "rh": "+",
        "address": "Số 5 đường Thử Nghiệm, phường Mẫu, quận Hoàn Kiếm, Hà Nội",
        "province": "01", "district": "002", "commune": "00037", "phone": "0913000505",
        "card": {"number": "HT3010120000456", "from": "20250101", "to": "20251231", "registered_at": "99999",
                 "area": "", "five_years": "20200101"},
        "patient_code": "BN2025000505", "record_number": "NT-2025-000131", "weight_kg": "55.00",
        "visit_type": "03", "beneficiary": "1.1", "benefit_pct": 80,
        "inpatient_from": "2025-11-10T14:30:00+07:00", "ended": "2025-11-12T09:30:00+07:00",
        "paid": "2025-11-12T09:45:00+07:00",
        "reason": "Khó thở, phù", "inpatient_reason": "Suy tim mất bù",
        "diagnosis_in": "Suy tim", "diagnosis_out": "Suy tim sung huyết; Tăng huyết áp",
        "icd_main": "I50.0", "icd_other": ["I10"], "treatment": "Lợi tiểu, trợ tim, thở oxy",
        "outcome": 3, "discharge_kind": 2, "doctor_note": "Chuyển tuyến trên điều trị tiếp",
        "doctor": "NV0001", "head_of_department": "NV0004", "director_code": "0199999001",
        "drugs": [
            {"code": "40.528", "name": "Furosemid", "unit": "Ống", "strength": "20mg/2ml", "route": "2.10",
             "form": "Dung dịch tiêm", "dose": "2 ống/ngày", "usage": "Tiêm tĩnh mạch", "reg": "VD-00004-25",
             "tender": "G1;N1;2025;04", "group": 4, "qty": 4, "price": 3000, "ordered": "2025-11-10T14:40:00+07:00"},
        ],
        "services": [
            {"code": "02.1896", "name": "Khám Nội", "unit": "Lần", "group": 13, "qty": 1, "price": 39000,
             "ordered": "2025-11-10T14:05:00+07:00"},
            {"code": "K02.1906", "name": "Ngày giường bệnh Nội khoa loại 1", "unit": "Ngày", "group": 15, "qty": 2,
             "price": 250000, "ordered": "2025-11-10T14:30:00+07:00"},
            {"code": "02.0085.1778", "name": "Điện tim thường", "unit": "Lần", "group": 3, "qty": 1, "price": 32000,
             "ordered": "2025-11-10T14:10:00+07:00", "result": "2025-11-10T14:25:00+07:00"},
        ],
        "results": [
            {"service": "02.0085.1778", "code": "ECG", "name": "Điện tim", "value": "", "unit": "",
             "description": "Nhịp xoang 104 l/p, dày thất trái", "conclusion": "Nhịp nhanh xoang, dày thất trái",
             "time": "2025-11-10T14:25:00+07:00", "reader": "NV0001"},
        ],
        "referral": {"file_number": "CT-2025-000078", "book_number": "SCT-2025-000078",
                     "paper_number": "GCT-2025-000078", "to": "01999", "reason": 1,
                     "signs": "Khó thở, phù hai chân, gan to",
                     "course": "Suy tim mất bù, điều trị nội khoa không đáp ứng",
                     "results": "Điện tim: nhịp nhanh xoang, dày thất trái", "condition": "Tỉnh, khó thở khi gắng sức",
                     "plan": "Điều trị suy tim tại tuyến trên", "transport": "Xe cứu thương",
                     "escort": "Trần Thị Bình", "escort_title": "Điều dưỡng"},
    },
}

SAMPLES: tuple[tuple[str, dict[str, Any]], ...] = ((_DISCHARGED, _PNEUMONIA), (_REFERRED, _HEART_FAILURE))


def _utc(local: str) -> str:
    """An ISO time with the Vietnam offset, as the server's UTC text."""
    return to_utc_text(datetime.fromisoformat(local))


def seed_samples(conn: sqlite3.Connection, creator: audit.Actor) -> None:
    """Add the sample finished episodes (patient, encounter with its fixed id, entries, episode data); the
    caller holds the write transaction."""
    no_faults = FaultSet()
    for encounter_id, sample in SAMPLES:
        p = sample["patient"]
        patient = records.create_patient(conn, p["national_id"], p["name"], p["birth_date"], p["sex"], creator.user_id)
        audit.append(conn, no_faults, creator, "create", "success", object_type="patient", object_id=patient["id"],
                     detail="seed")
        conn.execute("INSERT INTO encounters (id, patient_id, department, kind, started_at, created_by) "
                     "VALUES (?, ?, ?, 'noi-tru', ?, ?)",
                     (encounter_id, patient["id"], sample["department"], _utc(sample["admitted"]), creator.user_id))
        audit.append(conn, no_faults, creator, "create", "success", object_type="encounter", object_id=encounter_id,
                     detail="seed")
        for author, kind, moment, text in sample["entries"]:
            entry = records.create_entry(conn, encounter_id, kind, text, created_by=author, author=author,
                                         recorded_at=_utc(moment))
            audit.append(conn, no_faults, creator, "create", "success", object_type="entry", object_id=entry.id,
                         detail="seed")
        claims.put_episode(conn, encounter_id, sample["episode"])
