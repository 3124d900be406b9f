"""A member's own data, as a dictionary, JSON and PDF: their record and nobody else's."""
from __future__ import annotations

import io

from sqlalchemy import select

from handbook.audit.models import AuditEntry
from handbook.clock import local_time
from handbook.organizations.models import MEMBER_LABELS, Organization
from handbook.pdf import vietnamese_fonts
from handbook.privacy.models import CorrectionRequest
from handbook.privacy.operations import value_text
from handbook.scope import path_ids, scoped_select
from handbook.text import without_control_characters



def record_fields(member) -> list[tuple[str, str]]:
    """The member's record as (label, value) pairs, as the member reads it; the CCCD stays masked."""
    named = {"card_number": member.card_number, "status": member.status_label,
             "organization": member.organization.name, "position": member.position_label}
    return [(label, named[field] if field in named else value_text(field, getattr(member, field), masked=True))
            for field, label in MEMBER_LABELS.items()]


def who_opened(session, member_id: int, viewer_id: int | None = None):
    """Entries in which someone other than the member opened or exported their record (through the scope)."""
    from handbook.audit.models import AuditSubject
    from handbook.audit.queries import SEEING_ACTIONS

    stmt = (
        scoped_select(AuditEntry)
        .join(AuditSubject, AuditSubject.entry_id == AuditEntry.id)
        .where(AuditSubject.member_id == member_id, AuditEntry.action.in_(SEEING_ACTIONS))
        .order_by(AuditEntry.at.desc())
        .limit(500)
    )
    if viewer_id is not None:
        stmt = stmt.where((AuditEntry.user_id != viewer_id) | AuditEntry.user_id.is_(None))
    return session.execute(stmt).scalars().all()


def own_data(session, user) -> dict:
    """Everything the handbook holds about ``user`` and their member record."""
    member = user.member
    ids = path_ids(member.organization.path)
    orgs = {o.id: o.name for o in session.execute(select(Organization).where(Organization.id.in_(ids))).scalars()}
    corrections = session.execute(
        scoped_select(CorrectionRequest).where(CorrectionRequest.member_id == member.id).order_by(CorrectionRequest.created_at)
    ).scalars().all()
    return {
        "ho_so": dict(record_fields(member)),
        "to_chuc": [orgs[i] for i in ids if i in orgs],
        "tai_khoan": {
            "ten_dang_nhap": user.login,
            "vai_tro": user.role_label,
            "ngay_tao": local_time(user.created_at),
            "dang_nhap_lan_cuoi": local_time(user.last_login_at),
            "thong_bao_du_lieu": {"phien_ban": user.notice_version, "xac_nhan_luc": local_time(user.notice_acknowledged_at)},
        },
        "yeu_cau_sua": [
            {"thong_tin": c.field_label, "gia_tri_de_nghi": c.requested_value_shown, "ghi_chu": c.note or "",
             "trang_thai": c.status_label, "tra_loi": c.response or "", "gui_luc": local_time(c.created_at), "xu_ly_luc": local_time(c.handled_at)}
            for c in corrections
        ],
        "nguoi_da_xem_ho_so": [
            {"luc": local_time(e.at), "tai_khoan": e.login or "", "hanh_dong": e.action_label}
            for e in who_opened(session, member.id, user.id)
        ],
    }


def own_data_pdf(data: dict) -> bytes:
    """The member's data as an A4 PDF with a Vietnamese font."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    from xml.sax.saxutils import escape

    regular, bold = vietnamese_fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=14)
    heading = ParagraphStyle("h", fontName=bold, fontSize=13, leading=18, spaceBefore=8, spaceAfter=4)
    title = ParagraphStyle("t", fontName=bold, fontSize=16, leading=22, alignment=1)

    def p(text):
        # Stored text may predate the input checks: control characters are not drawn.
        return Paragraph(escape(without_control_characters(str(text or ""))), body)

    def table(rows, widths):
        t = Table([[p(c) for c in r] for r in rows], colWidths=widths, repeatRows=1 if len(rows) > 1 else 0)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return t

    story = [Paragraph("DỮ LIỆU CÁ NHÂN CỦA ĐẢNG VIÊN", title), Spacer(1, 4 * mm)]
    story += [Paragraph("Hồ sơ", heading), table(list(data["ho_so"].items()), [55 * mm, 115 * mm])]
    story += [Paragraph("Tổ chức đảng", heading), p(" › ".join(data["to_chuc"]))]
    account = data["tai_khoan"]
    story += [Paragraph("Tài khoản", heading), table([
        ("Tên đăng nhập", account["ten_dang_nhap"]), ("Vai trò", account["vai_tro"]),
        ("Ngày tạo", account["ngay_tao"]), ("Đăng nhập lần cuối", account["dang_nhap_lan_cuoi"]),
        ("Thông báo dữ liệu", f"{account['thong_bao_du_lieu']['phien_ban'] or ''} · {account['thong_bao_du_lieu']['xac_nhan_luc']}"),
    ], [55 * mm, 115 * mm])]
    story.append(Paragraph("Yêu cầu sửa thông tin", heading))
    if data["yeu_cau_sua"]:
        story.append(table([("Thông tin", "Giá trị đề nghị", "Trạng thái", "Gửi lúc")] + [
            (c["thong_tin"], c["gia_tri_de_nghi"], c["trang_thai"], c["gui_luc"]) for c in data["yeu_cau_sua"]
        ], [40 * mm, 60 * mm, 35 * mm, 35 * mm]))
    else:
        story.append(p("Chưa có yêu cầu nào."))
    story.append(Paragraph("Người đã xem hồ sơ", heading))
    if data["nguoi_da_xem_ho_so"]:
        story.append(table([("Lúc", "Tài khoản", "Hành động")] + [
            (e["luc"], e["tai_khoan"], e["hanh_dong"]) for e in data["nguoi_da_xem_ho_so"]
        ], [40 * mm, 70 * mm, 60 * mm]))
    else:
        story.append(p("Chưa có ai khác xem hồ sơ."))
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title="Dữ liệu cá nhân", leftMargin=20 * mm, rightMargin=20 * mm,
                      topMargin=18 * mm, bottomMargin=18 * mm).build(story)
    return buffer.getvalue()
