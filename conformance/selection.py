"""Which criteria an appraisal applies: the profile in force on the appraisal date, then filters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from conformance.criteria_model import Catalogue, Criterion, Profile
from conformance.messages import Msg

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def today_in_vietnam() -> date:
    return datetime.now(VIETNAM).date()


class SelectionError(Exception):
    """The request cannot be satisfied (unknown profile, id or area; no profile in force)."""

    def __init__(self, message: Msg) -> None:
        super().__init__(message.en)
        self.message = message


@dataclass(frozen=True)
class Selection:
    profile: Profile
    profile_in_force: bool
    appraisal_date: date
    applied: list[Criterion]  # in force on the date and selected: these are checked
    not_in_force: list[Criterion]  # selected by the profile but outside their dates: not applied

    def notice(self) -> Msg | None:
        if self.profile_in_force:
            return None
        d = self.appraisal_date.isoformat()
        return Msg(f"Hồ sơ tiêu chí {self.profile.id} không có hiệu lực vào ngày {d}; kết quả chỉ để tham khảo.",
                   f"Profile {self.profile.id} is not in force on {d}; the results are for reference only.")


def profile_for(catalogue: Catalogue, on: date, profile_id: str | None = None) -> tuple[Profile, bool]:
    """The profile to use and whether it is in force on ``on``."""
    if profile_id:
        profile = catalogue.profiles.get(profile_id)
        if profile is None:
            known = ", ".join(sorted(catalogue.profiles)) or "—"
            raise SelectionError(Msg(f"không có hồ sơ tiêu chí '{profile_id}' (có: {known})",
                                     f"no profile '{profile_id}' (known: {known})"))
        return profile, profile.in_force(on)
    in_force = [p for p in catalogue.profiles.values() if p.in_force(on)]
    if not in_force:
        d = on.isoformat()
        raise SelectionError(Msg(
            f"Không có văn bản quy định HSBA điện tử nào có hiệu lực vào ngày {d} trong danh mục "
            f"(ví dụ từ 06/06/2025 đến 20/07/2025, TT 46/2018 đã hết hiệu lực và TT 13/2025 chưa có hiệu lực). "
            f"Chọn hồ sơ bằng --profile hoặc ngày khác bằng --date.",
            f"No EMR regulation in the catalogue is in force on {d} (e.g. from 2025-06-06 to 2025-07-20 TT 46/2018 "
            f"was repealed and TT 13/2025 not yet in force). Choose a profile with --profile or another --date."))
    return max(in_force, key=lambda p: p.in_force_from), True


def select(catalogue: Catalogue, on: date, *, profile_id: str | None = None,
           only: Sequence[str] = (), areas: Sequence[str] = ()) -> Selection:
    profile, in_force = profile_for(catalogue, on, profile_id)
    unknown_ids = [i for i in only if i not in catalogue.criteria]
    if unknown_ids:
        raise SelectionError(Msg(f"mã tiêu chí không tồn tại: {', '.join(unknown_ids)}",
                                 f"unknown criterion id: {', '.join(unknown_ids)}"))
    unknown_areas = [a for a in areas if a not in catalogue.areas]
    if unknown_areas:
        known = ", ".join(catalogue.areas)
        raise SelectionError(Msg(f"khu vực không tồn tại: {', '.join(unknown_areas)} (có: {known})",
                                 f"unknown area: {', '.join(unknown_areas)} (known: {known})"))
    chosen = [c for c in catalogue.ordered() if profile.selects(c)
              and (not only or c.id in only) and (not areas or c.area in areas)]
    return Selection(profile=profile, profile_in_force=in_force, appraisal_date=on,
                     applied=[c for c in chosen if c.in_force(on)],
                     not_in_force=[c for c in chosen if not c.in_force(on)])
