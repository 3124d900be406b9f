"""Correction requests: a value checked by the record's own rules, and the secretary's answer
applied to the record in the same transaction as its audit entries."""
from __future__ import annotations

from handbook.audit.operations import model_changes, record, recorded_save
from handbook.clock import local_date, local_time, utcnow
from handbook.organizations.models import GENDERS, THEORY_LEVELS, Member
from handbook.organizations.validation import MemberDataError, clean_change, parse_date
from handbook.privacy.models import CORRECTABLE_FIELDS, CorrectionRequest
from handbook.text import mask_national_id, search_key

DATE_FIELDS = ("date_of_birth", "admitted_on", "official_on")
# Fields whose value is one of a list: typed as its Vietnamese label, stored as its code.
CHOICE_FIELDS = {"gender": GENDERS, "theory_level": THEORY_LEVELS}
REASON_MIN = 5

OWN_RECORD = ("Bạn không thể tự xử lý yêu cầu sửa hồ sơ của chính mình. "
              "Yêu cầu này do đồng chí khác có thẩm quyền trong chi bộ hoặc cấp ủy cấp trên xử lý.")
STALE = "Yêu cầu vừa được thay đổi sau khi bạn mở trang. Vui lòng tải lại trang và xem lại trước khi xử lý."


class CorrectionRefused(Exception):
    """An answer that cannot be given; ``status`` is what its page answers (403, 409, 400)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def value_text(field: str, value, masked: bool = False) -> str:
    """A record value as a person reads and types it: dates dd/mm/yyyy, choices by their label,
    the CCCD masked when ``masked``."""
    if value is None or value == "":
        return ""
    if field in DATE_FIELDS:
        return local_date(value)
    if field in CHOICE_FIELDS:
        return CHOICE_FIELDS[field].get(value, value)
    if field == "national_id" and masked:
        return mask_national_id(value)
    return str(value)


def current_text(request: CorrectionRequest) -> str:
    """The record's value of the requested field now (a CCCD masked)."""
    return value_text(request.field, getattr(request.member, request.field), masked=True)


def read_value(member: Member, field: str, text: str | None):
    """The value ``text`` asks ``field`` of ``member``'s record to take, checked as the back-office
    member form checks it (``organizations.validation``); ``ValueError`` says what is wrong, in Vietnamese."""
    label = CORRECTABLE_FIELDS.get(field)
    if label is None:
        raise ValueError("Thông tin này không sửa qua yêu cầu được.")
    text = (text or "").strip()
    if field in CHOICE_FIELDS:
        for code, name in CHOICE_FIELDS[field].items():
            if search_key(name) == search_key(text):
                return code
        raise ValueError(f"{label} chỉ nhận một trong các giá trị: {', '.join(CHOICE_FIELDS[field].values())}.")
    value = parse_date(text, label) if field in DATE_FIELDS else text
    current = {f: getattr(member, f) for f in DATE_FIELDS} | {field: getattr(member, field)}
    try:
        value = clean_change(current, field, value)
    except MemberDataError as exc:
        raise ValueError(str(exc)) from None
    limit = Member.__table__.c[field].type.length if field not in DATE_FIELDS else None
    if limit and isinstance(value, str) and len(value) > limit:
        raise ValueError(f"{label} tối đa {limit} ký tự.")
    return value


def ask_correction(session, member: Member, field: str, text: str, note: str | None) -> CorrectionRequest:
    """Save a member's request for ``field`` to become ``text`` (checked first; audited with it)."""
    value = read_value(member, field, text)
    if value == getattr(member, field):
        raise ValueError(f"{CORRECTABLE_FIELDS[field]} trong hồ sơ đã là giá trị này.")
    row = CorrectionRequest(member_id=member.id, field=field, requested_value=value_text(field, value), note=note or None)
    session.add(row)
    session.flush()
    record("correction_request", "correction_request", row.id, detail={"field": field}, subjects=[member.id])
    return row


def check_answerable(request: CorrectionRequest, actor, version: int | None = None) -> None:
    """Refuse an answer to a request already answered, changed since the form was loaded, or about
    the actor's own record (nobody rules on their own case; the design says nothing else)."""
    if actor.member_id is not None and request.member_id == actor.member_id:
        raise CorrectionRefused(OWN_RECORD, 403)
    if not request.is_pending:
        when = f" lúc {local_time(request.handled_at)}" if request.handled_at else ""
        raise CorrectionRefused(f"Yêu cầu này đã được xử lý ({request.status_label}{when}); không xử lý lại.", 409)
    if version is not None and version != request.version:
        raise CorrectionRefused(STALE, 409)


def _answer(request: CorrectionRequest, actor, status: str, response: str | None, action: str) -> None:
    """Mark ``request`` answered and audit it in the same transaction."""
    request.status = status
    request.response = response
    request.handled_by_id = actor.id
    request.handled_at = utcnow()
    record(action, "correction_request", request.id, changes=model_changes(request), subjects=[request.member_id],
           detail={"field": request.field})


def accept_correction(session, request: CorrectionRequest, actor, version: int | None = None,
                      response: str | None = None) -> None:
    """Apply the requested value to the member's record and mark the request accepted, audited
    together; a value the record's rules refuse now (the record changed meanwhile) is refused."""
    check_answerable(request, actor, version)
    member = request.member
    try:
        value = read_value(member, request.field, request.requested_value)
    except ValueError as exc:
        raise CorrectionRefused(f"Giá trị đề nghị không còn hợp lệ với hồ sơ hiện tại: {exc}", 409) from None
    request.previous_value = value_text(request.field, getattr(member, request.field), masked=True) or None
    setattr(member, request.field, value)
    with recorded_save("member", member, False, subjects=[member.id],
                       detail={"correction_request": request.id, "label": str(member)}):
        session.flush()
    _answer(request, actor, "accepted", response or None, "correction_accept")
    session.flush()


def reject_correction(session, request: CorrectionRequest, actor, reason: str | None, version: int | None = None) -> None:
    """Mark the request not accepted, with the reason the member will read; the record is unchanged."""
    check_answerable(request, actor, version)
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN:
        raise CorrectionRefused(f"Vui lòng nêu lý do không chấp nhận (ít nhất {REASON_MIN} ký tự) để đảng viên được biết.", 400)
    _answer(request, actor, "rejected", reason, "correction_reject")
    session.flush()

