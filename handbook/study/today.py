"""What the member home lists under "Hôm nay" from study: points toward the yearly target."""
from flask import current_app, url_for

from handbook.clock import local_now
from handbook.extensions import db
from handbook.study.operations import member_year_total


def points_today(user) -> list[dict]:
    """The member's points this year against the province's yearly target (one indexed sum)."""
    if not user.member_id:
        return []
    year = local_now().year
    target = current_app.config["POINTS_YEARLY_TARGET"]
    points = member_year_total(db.session, user.member_id, year)
    # Reading is where points are earned today: the item leads to the library.
    if points < target:
        text = f"Điểm tích lũy năm {year}: {points}/{target} — còn {target - points} điểm để đạt chỉ tiêu"
    else:
        text = f"Điểm tích lũy năm {year}: {points} — đã đạt chỉ tiêu {target} điểm"
    return [{"text": text, "url": url_for("content.library")}]
