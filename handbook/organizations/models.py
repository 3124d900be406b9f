"""The organization tree and the party members who belong to it."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, event, func, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, validates

from handbook.clock import utcnow
from handbook.extensions import NEVER_REUSE_IDS, db
from handbook.scope import by_member, by_path, by_subtree, path_within
from handbook.text import mask_national_id, nfc, search_key, vi_sort_key
from handbook.versioning import Versioned


# On PostgreSQL the path and sort keys must compare byte by byte, whatever the database locale.
PathString = String(255).with_variant(String(255, collation="C"), "postgresql")
KeyString = String(400).with_variant(String(400, collation="C"), "postgresql")

ORG_KINDS = {
    "province": "Đảng bộ tỉnh",
    "committee": "Đảng bộ trực thuộc",
    "grassroots": "Tổ chức cơ sở đảng",
    "sub_committee": "Đảng bộ bộ phận",
    "branch": "Chi bộ",
}

MEMBER_STATUSES = {
    "official": "Chính thức",
    "probationary": "Dự bị",
    "exempt": "Miễn sinh hoạt",
    "transferred": "Chuyển đi",
    "deceased": "Từ trần",
    "expelled": "Ra khỏi Đảng",
}

PARTY_POSITIONS = {
    "secretary": "Bí thư",
    "deputy_secretary": "Phó bí thư",
    "committee_member": "Chi ủy viên",
    "member": "Đảng viên",
}

GENDERS = {"male": "Nam", "female": "Nữ"}

THEORY_LEVELS = {
    "none": "Chưa qua đào tạo",
    "primary": "Sơ cấp",
    "intermediate": "Trung cấp",
    "advanced": "Cao cấp",
    "bachelor": "Cử nhân",
}

# The Vietnamese name of each field of a member's record: the admin screen, the member's own data
# and correction requests all say it the same way.
MEMBER_LABELS = {
    "full_name": "Họ và tên",
    "card_number": "Số thẻ đảng viên",
    "date_of_birth": "Ngày sinh",
    "gender": "Giới tính",
    "ethnicity": "Dân tộc",
    "religion": "Tôn giáo",
    "hometown": "Quê quán",
    "admitted_on": "Ngày vào Đảng",
    "official_on": "Ngày chính thức",
    "status": "Tình trạng",
    "organization": "Chi bộ",
    "position": "Chức vụ đảng",
    "occupation": "Nghề nghiệp",
    "education": "Trình độ học vấn",
    "theory_level": "Lý luận chính trị",
    "phone": "Điện thoại",
    "email": "Email",
    "national_id": "Số CCCD",
}


def path_segment(org_id: int) -> str:
    """One step of a materialized path; zero-padded so that sorting by path gives tree order."""
    return f"{org_id:08d}/"


class Organization(Versioned, db.Model):
    """A party organization at any level; ``path`` is the materialized path of padded ids, '/00000001/00000014/'."""

    __tablename__ = "organization"
    __table_args__ = NEVER_REUSE_IDS
    # The path follows the parent: rewritten by the move's bulk UPDATE, never typed into a form.
    unversioned = frozenset({"path", "depth"})

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    path: Mapped[str] = mapped_column(PathString, unique=True, default="")
    depth: Mapped[int] = mapped_column(default=0)
    search_key: Mapped[str] = mapped_column(String(255), default="", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Organization | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Organization]] = relationship(back_populates="parent")
    members: Mapped[list[Member]] = relationship(back_populates="organization")

    @validates("name")
    def _normalize_name(self, _key: str, value: str) -> str:
        """Store names in NFC and keep the search key in step."""
        value = nfc(value)
        self.search_key = search_key(value)
        return value

    @validates("code")
    def _normalize_code(self, _key: str, value: str) -> str:
        """Codes are compared exactly, so trim and upper-case them."""
        return (value or "").strip().upper()

    @property
    def kind_label(self) -> str:
        """The kind in Vietnamese."""
        return ORG_KINDS.get(self.kind, self.kind)

    def is_within(self, path: str) -> bool:
        """Is this organization inside the subtree rooted at ``path``?"""
        return bool(self.path) and self.path.startswith(path)

    @classmethod
    def subtree_clause(cls, path: str):
        """SQL condition: the organization lies in the subtree at ``path`` (an indexed range)."""
        return path_within(cls.path, path)

    __scope__ = by_path("path")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class OrganizationMove(db.Model):
    """A record that an organization was moved to a new parent (the 2025 mergers need history)."""

    __tablename__ = "organization_move"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    from_parent_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"))
    to_parent_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"))
    from_path: Mapped[str] = mapped_column(PathString)
    to_path: Mapped[str] = mapped_column(PathString)
    moved_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    moved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    organization: Mapped[Organization] = relationship(foreign_keys=[organization_id])
    from_parent: Mapped[Organization | None] = relationship(foreign_keys=[from_parent_id])
    to_parent: Mapped[Organization | None] = relationship(foreign_keys=[to_parent_id])
    moved_by = relationship("User", foreign_keys=[moved_by_id])

    __scope__ = by_subtree("organization_id")

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.from_path} → {self.to_path}"


class Member(Versioned, db.Model):
    """A party member (đảng viên), the fields of the 7-HSĐV register."""

    __tablename__ = "member"
    __table_args__ = (
        Index("ix_member_organization_sort", "organization_id", "sort_key"),
        # PostgreSQL: a trigram index keeps "contains" searches on the accent-free key indexed.
        Index(
            "ix_member_search_key_trgm", "search_key",
            postgresql_using="gin", postgresql_ops={"search_key": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(120))
    search_key: Mapped[str] = mapped_column(String(160), default="", index=True)
    sort_key: Mapped[str] = mapped_column(KeyString, default="", index=True)
    date_of_birth: Mapped[date | None]
    gender: Mapped[str | None] = mapped_column(String(10))
    ethnicity: Mapped[str | None] = mapped_column(String(40))
    religion: Mapped[str | None] = mapped_column(String(40))
    hometown: Mapped[str | None] = mapped_column(String(200))
    card_number: Mapped[str] = mapped_column(String(20), unique=True)
    admitted_on: Mapped[date | None]
    official_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default="official", index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"))
    position: Mapped[str] = mapped_column(String(20), default="member")
    occupation: Mapped[str | None] = mapped_column(String(120))
    education: Mapped[str | None] = mapped_column(String(120))
    theory_level: Mapped[str | None] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    email: Mapped[str | None] = mapped_column(String(120))
    national_id: Mapped[str | None] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="members")

    @validates("full_name")
    def _normalize_name(self, _key: str, value: str) -> str:
        """Store names in NFC and keep the search and sort keys in step."""
        value = nfc(value)
        self.search_key = search_key(value)
        self.sort_key = vi_sort_key(value)
        return value

    @validates("hometown", "occupation", "education", "ethnicity", "religion", "email", "phone")
    def _normalize_text(self, _key: str, value: str | None) -> str | None:
        """Store free text in NFC; empty strings become NULL."""
        value = nfc(value)
        return value or None

    @validates("card_number", "national_id")
    def _normalize_number(self, _key: str, value: str | None) -> str | None:
        """Numbers are compared exactly: trim them."""
        value = (value or "").strip()
        return value or None

    @property
    def national_id_masked(self) -> str:
        """The CCCD with all but its last three digits hidden."""
        return mask_national_id(self.national_id)

    @property
    def status_label(self) -> str:
        """The status in Vietnamese."""
        return MEMBER_STATUSES.get(self.status, self.status)

    @property
    def position_label(self) -> str:
        """The party position in Vietnamese."""
        return PARTY_POSITIONS.get(self.position, self.position)

    __scope__ = by_subtree("organization_id", own=("id", "member_id"))

    def __str__(self) -> str:
        return f"{self.full_name} ({self.card_number})"


class MemberChange(db.Model):
    """A member's move to another branch or change of status, written with the change itself: a
    past month's statistics count each member where, and as what, they were then."""

    __tablename__ = "member_change"
    __table_args__ = (Index("ix_member_change_member_at", "member_id", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Both None when only the status changed; both None on the status side when only the branch did.
    from_organization_id: Mapped[int | None]
    to_organization_id: Mapped[int | None]
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    changed_by_id: Mapped[int | None]

    __scope__ = by_member("member_id")

    def __str__(self) -> str:
        return f"{self.member_id} {self.changed_at:%Y-%m-%d}"


DISCIPLINE_FORMS = {
    "reprimand": "Khiển trách",
    "warning": "Cảnh cáo",
    "dismissal": "Cách chức",
    "expulsion": "Khai trừ",
}


class Discipline(Versioned, db.Model):
    """A party discipline decided against a member (kỷ luật đảng): a member disciplined in a year is
    rated "không hoàn thành nhiệm vụ" that year."""

    __tablename__ = "member_discipline"
    __table_args__ = (Index("ix_member_discipline_member_decided", "member_id", "decided_on"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    form: Mapped[str] = mapped_column(String(20))  # a key of DISCIPLINE_FORMS
    decided_on: Mapped[date] = mapped_column(index=True)
    decision_number: Mapped[str | None] = mapped_column(String(40))  # "12-QĐ/ĐU"
    issuer: Mapped[str | None] = mapped_column(String(255))
    reason: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    member: Mapped[Member] = relationship()

    @property
    def form_label(self) -> str:
        """The form of discipline in Vietnamese."""
        return DISCIPLINE_FORMS.get(self.form, self.form)

    __scope__ = by_member("member_id")

    def __str__(self) -> str:
        return f"{self.form_label} {self.decided_on:%d/%m/%Y}"


def _changed_by() -> int | None:
    """The signed-in user making a change, if a request is under way (None: the CLI, a job, a seed)."""
    from flask import has_request_context
    from flask_login import current_user

    if has_request_context() and current_user.is_authenticated:
        return current_user.id
    return None


@event.listens_for(Session, "before_flush")
def _record_member_changes(session, _context, _instances):
    """Record every member's move to another branch or change of status with the change itself,
    however it is made (a form, a correction, an import): the statistics of past months need them."""
    for member in session.dirty:
        if not isinstance(member, Member):
            continue
        state = inspect(member)
        # A dropdown sets the relationship; its column follows only at this flush.
        old_org = state.committed_state.get("organization_id", member.organization_id)
        new_org = member.organization_id
        if state.attrs.organization.history.has_changes() and member.organization is not None:
            new_org = member.organization.id
        old_status = state.committed_state.get("status", member.status)
        moved, restated = old_org != new_org and new_org is not None, old_status != member.status
        if not (moved or restated):
            continue
        session.add(MemberChange(
            member_id=member.id, changed_at=utcnow(), changed_by_id=_changed_by(),
            from_organization_id=old_org if moved else None, to_organization_id=new_org if moved else None,
            from_status=old_status if restated else None, to_status=member.status if restated else None,
        ))


def direct_member_counts():
    """A SELECT of (organization_id, number of members directly in it)."""
    return select(Member.organization_id, func.count(Member.id)).group_by(Member.organization_id)
