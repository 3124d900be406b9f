"""An import of the branch register: the uploaded file, what its dry run found, what it wrote."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from handbook.clock import utcnow
from handbook.extensions import NEVER_REUSE_IDS, db
from handbook.scope import by_subtree

IMPORT_STATUSES = {
    "checking": "Đang kiểm tra",
    "invalid": "Có lỗi, chưa nhập",
    "checked": "Hợp lệ, chờ nhập",
    "applying": "Đang nhập",
    "applied": "Đã nhập",
    "failed": "Không nhập được",
}


class MemberImport(db.Model):
    """One uploaded register file, from its dry run to its import (all rows or none).

    ``organization`` is the importer's scope when the file came in: the import sees and writes only
    members of its subtree, and the screen lists it only to people who manage that subtree."""

    __tablename__ = "member_import"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80))  # under the upload folder's imports/
    size: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(20), default="checking", index=True)
    row_count: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    # {"created": n, "updated": n, "transferred": n, "unchanged": n, "accounts": n, "ignored": [headers]}
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    # The first errors found, [[row, column label, message], ...]; error_count counts them all.
    errors: Mapped[list] = mapped_column(JSON, default=list)
    message: Mapped[str | None] = mapped_column(String(500))  # why the file as a whole was refused
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    checked_at: Mapped[datetime | None]
    applied_at: Mapped[datetime | None]
    # The activation sheet (PDF) and messages (xlsx) of the accounts the import created, under imports/.
    sheet_name: Mapped[str | None] = mapped_column(String(80))
    messages_name: Mapped[str | None] = mapped_column(String(80))

    organization = relationship("Organization")
    user = relationship("User")

    __scope__ = by_subtree("organization_id", own=("user_id", "user_id"))

    @property
    def status_label(self) -> str:
        """The status in Vietnamese."""
        return IMPORT_STATUSES.get(self.status, self.status)

    def __str__(self) -> str:
        return f"{self.filename} ({self.created_at:%d/%m/%Y %H:%M})"
