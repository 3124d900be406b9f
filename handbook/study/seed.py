"""The province's point rules as rows, for the demo and the province data sets."""
from sqlalchemy import insert, select

from handbook.clock import utcnow
from handbook.study.models import POINT_SOURCES, PointRule
from handbook.study.operations import DEFAULT_DAILY_CAPS

NOTES = {
    "read": "Mỗi tài liệu, tin tức chỉ tính điểm một lần; tối đa mỗi ngày để tránh bấm đọc lấy điểm.",
    "quiz": "Điểm theo kết quả bài thi; tối đa mỗi ngày.",
    "meeting": "Dự sinh hoạt chi bộ: không giới hạn theo ngày.",
    "topic": "Học chuyên đề hằng tháng: mỗi chuyên đề chỉ tính điểm một lần.",
    "manual": "Cấp ủy cộng điểm có ghi lý do: không giới hạn theo ngày.",
    "correction": "Điều chỉnh một mục đã cộng (trừ lại điểm), có ghi lý do.",
}


def seed_point_rules(session, _ctx=None) -> int:
    """Write the daily caps in force (``DEFAULT_DAILY_CAPS``) as rules the admin sees and may change."""
    present = set(session.execute(select(PointRule.source)).scalars())
    now = utcnow()
    rows = [{"source": source, "daily_cap": DEFAULT_DAILY_CAPS.get(source), "note": NOTES.get(source), "updated_at": now}
            for source in POINT_SOURCES if source not in present]
    if rows:
        session.execute(insert(PointRule), rows)
    return len(rows)
