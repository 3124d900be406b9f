"""The audit trail: an append-only record of who did what, when, from where."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, event, false, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from handbook.clock import utcnow
from handbook.extensions import NEVER_REUSE_IDS, db
from handbook.organizations.models import PathString
from handbook.scope import path_within

ACTIONS = {
    "login": "Đăng nhập",
    "points_manual": "Cấp ủy cộng điểm",
    "points_correction": "Điều chỉnh điểm",
    "question_import": "Nhập câu hỏi từ tệp",
    "login_failed": "Đăng nhập sai",
    "login_locked": "Đăng nhập bị từ chối (sai quá nhiều lần)",
    "logout": "Đăng xuất",
    "reauth": "Xác thực lại",
    "reauth_failed": "Xác thực lại sai",
    "password_change": "Đổi mật khẩu",
    "account_activated": "Kích hoạt tài khoản bằng mã",
    "activation_failed": "Kích hoạt tài khoản sai mã",
    "activation_issue": "Cấp mã kích hoạt tài khoản",
    "session_end": "Kết thúc phiên",
    "account_ended": "Kết thúc tài khoản theo hồ sơ đảng viên",
    "notice_ack": "Xác nhận thông báo dữ liệu",
    "refused_404": "Từ chối (ngoài phạm vi)",
    "refused_403": "Từ chối (không có quyền)",
    "refused_rights": "Từ chối (vượt quyền)",
    "create": "Tạo mới",
    "update": "Cập nhật",
    "delete": "Xóa",
    "view": "Mở hồ sơ",
    "unmask": "Xem số CCCD đầy đủ",
    "export": "Xuất dữ liệu",
    "list": "Xem danh sách",
    "lookup": "Tra cứu nhanh",
    "breach_lookup": "Tra cứu truy cập",
    "download_own": "Tải dữ liệu của tôi",
    "correction_request": "Yêu cầu sửa thông tin",
    "correction_accept": "Chấp nhận yêu cầu sửa thông tin",
    "correction_reject": "Không chấp nhận yêu cầu sửa thông tin",
    "report_generate": "Lập báo cáo thống kê",
    "rating_open": "Mở đánh giá, xếp loại",
    "rating_propose": "Chi bộ đề xuất xếp loại",
    "rating_decide": "Cấp ủy quyết định xếp loại",
    "member_import": "Nhập danh sách đảng viên từ tệp",
}


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete an audit entry."""


class AuditEntry(db.Model):
    """One audited action. Written only by ``handbook.audit.operations.record``; never changed."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_user_at", "user_id", "at"),
        Index("ix_audit_entry_entity", "entity", "entity_id"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # UTC
    # No foreign keys: an entry outlives the account and the rows it names.
    user_id: Mapped[int | None]
    login: Mapped[str | None] = mapped_column(String(120))
    role: Mapped[str | None] = mapped_column(String(20))
    actor_org_id: Mapped[int | None]
    # The actor's organization path when acting: committees see the entries of their subtree.
    actor_org_path: Mapped[str | None] = mapped_column(PathString, index=True)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40), index=True)
    entity: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    changes: Mapped[dict | None] = mapped_column(JSON)
    detail: Mapped[dict | None] = mapped_column(JSON)

    subjects: Mapped[list[AuditSubject]] = relationship(viewonly=True)

    @property
    def action_label(self) -> str:
        """The action in Vietnamese."""
        return ACTIONS.get(self.action, self.action)

    @classmethod
    def __scope__(cls, scope):
        """Admins see everything; committees and secretaries the entries of actors in their subtree;
        a member their own actions and the entries that touched their record."""
        if scope.sees_all:
            return None
        if scope.role == "member":
            own = cls.user_id == scope.user_id if scope.user_id else false()
            if scope.member_id:
                about = cls.id.in_(select(AuditSubject.entry_id).where(AuditSubject.member_id == scope.member_id))
                return or_(own, about)
            return own
        if scope.org_path is None:
            return false()
        return path_within(cls.actor_org_path, scope.org_path)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.login or '-'} {self.action}"


class AuditSubject(db.Model):
    """A member whose data an entry opened or exported: answers "who saw member X" by index."""

    __tablename__ = "audit_subject"

    entry_id: Mapped[int] = mapped_column(ForeignKey("audit_entry.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)

    def __str__(self) -> str:
        return f"{self.entry_id}:{self.member_id}"


def _refuse(_mapper, _connection, target):
    """The application has no way to change or delete an audit entry."""
    raise AppendOnlyError(f"{type(target).__name__} rows are append-only")


for _model in (AuditEntry, AuditSubject):
    event.listen(_model, "before_update", _refuse)
    event.listen(_model, "before_delete", _refuse)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk(state):
    """Bulk ``update()``/``delete()`` through the ORM skips the mapper events: refuse those too."""
    if (state.is_update or state.is_delete) and any(m.class_ in (AuditEntry, AuditSubject) for m in state.all_mappers):
        raise AppendOnlyError("audit rows are append-only")
