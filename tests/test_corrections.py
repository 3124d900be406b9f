"""Correction requests that correct: the value checked as its field's type, the secretary's answer
applied to the record with its audit, a reason for a refusal, one answer per request, and the rights."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from audit_support import entries_since, last_id
from handbook.organizations.models import Member
from handbook.privacy.models import CorrectionRequest
from support import csrf_token, logged_in_client

RECORD = {"date_of_birth": date(1970, 5, 1), "admitted_on": date(1995, 3, 10), "official_on": date(1996, 3, 10),
          "hometown": "Thái Thụy, Thái Bình", "gender": "male", "phone": "0912000111"}


@pytest.fixture
def person(make, tree):
    """A member of branch B1 (the tree's secretary's) with a full record, and their own browser."""

    def new(branch="B1"):
        member = make.member(tree[branch], "Hoàng Văn Đề Nghị", **RECORD)
        account = make.user("member", tree[branch], member)
        return member, logged_in_client(make.app, account)

    return new


def ask(client, field, value, note=""):
    """Post the member's correction form."""
    token = csrf_token(client, "/me/data")
    return client.post("/me/data/corrections", data={"csrf_token": token, "field": field, "requested_value": value,
                                                     "note": note})


def requests_of(dbq, member_id):
    """The member's requests as saved, oldest first."""
    return dbq(lambda s: [(r.id, r.field, r.requested_value, r.status, r.response) for r in s.execute(
        select(CorrectionRequest).where(CorrectionRequest.member_id == member_id).order_by(CorrectionRequest.id)).scalars()])


def answer(client, request_id, decision, reason="", version=None):
    """Post the secretary's answer, with the version the details page carries (or the one given)."""
    page = client.get(f"/admin/correction/details/?id={request_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    loaded = re.search(r'name="version"[^>]*value="(\d+)"', page)
    return client.post(f"/admin/correction/answer/?id={request_id}", data={
        "csrf_token": token, "decision": decision, "response": reason,
        "version": str(version if version is not None else (loaded.group(1) if loaded else 1))})


def asked(client, dbq, member, field, value, note=""):
    """A valid request of ``member``; its id."""
    assert ask(client, field, value, note).status_code == 302
    return requests_of(dbq, member.id)[-1][0]


def member_value(dbq, member, field):
    return dbq(lambda s: getattr(s.get(Member, member.id), field))


@pytest.mark.parametrize("field, typed, message", [
    ("date_of_birth", "Số 5 Lê Lợi, Kiến Xương", "Ngày sinh phải ghi theo dạng ngày/tháng/năm, ví dụ 18/09/1972."),
    ("date_of_birth", "31/02/1970", "Ngày sinh phải ghi theo dạng ngày/tháng/năm"),
    ("date_of_birth", (date.today() + timedelta(days=400)).strftime("%d/%m/%Y"), "Ngày sinh phải từ 01/01/1900 đến hôm nay."),
    ("date_of_birth", "01/01/1980", "Ngày vào Đảng phải sau khi đủ 18 tuổi."),
    ("admitted_on", "02/02/1930", "Ngày vào Đảng phải từ 03/02/1930 đến hôm nay."),
    ("official_on", "01/01/1990", "Ngày chính thức không thể trước ngày vào Đảng."),
    ("gender", "Khác", "Giới tính chỉ nhận một trong các giá trị: Nam, Nữ."),
    ("theory_level", "Tiến sĩ", "Lý luận chính trị chỉ nhận một trong các giá trị: Chưa qua đào tạo, Sơ cấp"),
    ("phone", "12345", "Số điện thoại không hợp lệ"),
    ("email", "khong-phai-email", "Địa chỉ email không hợp lệ"),
    ("national_id", "0341", "Số CCCD gồm đúng 12 chữ số."),
    ("full_name", "Nguyễn Văn 2", "Họ và tên chỉ gồm chữ cái"),
    ("hometown", "Thái Thụy, Thái Bình", "Quê quán trong hồ sơ đã là giá trị này."),
])
def test_a_value_not_of_the_fields_type_is_refused(person, dbq, field, typed, message):
    """Is a value that is not of the field's own type (an address as a birth date, a date breaking the
    record's order, an unknown choice, a malformed phone) refused with 400 and a Vietnamese message, nothing saved?"""
    member, client = person()
    since = last_id(dbq)
    r = ask(client, field, typed)
    assert r.status_code == 400
    assert message in r.get_data(as_text=True)
    assert requests_of(dbq, member.id) == []
    assert entries_since(dbq, since, "correction_request") == []


def test_a_valid_value_is_saved_as_the_field_reads_it(person, dbq):
    """Are a date typed 18-9-1972, a gender typed without accents and a phone typed +84 stored as the record shows them?"""
    member, client = person()
    for field, typed in (("date_of_birth", "18-9-1972"), ("gender", "nu"), ("phone", "+84 912 345 678")):
        assert ask(client, field, typed).status_code == 302, field
    assert [(f, v) for _id, f, v, _s, _r in requests_of(dbq, member.id)] == [
        ("date_of_birth", "18/09/1972"), ("gender", "Nữ"), ("phone", "0912345678")]


def test_the_secretary_sees_member_field_current_and_requested_value(person, dbq, staff_client):
    """Does the secretary's screen show the member, the field in Vietnamese, the current value, the
    requested value and the member's note?"""
    member, client = person()
    ident = asked(client, dbq, member, "hometown", "Kiến Xương, Thái Bình", "Theo giấy khai sinh")
    secretary = staff_client("secretary")
    listing = secretary.get("/admin/correction/").get_data(as_text=True)
    assert "Giá trị hiện tại" in listing and "Thái Thụy, Thái Bình" in listing and "Kiến Xương, Thái Bình" in listing
    page = secretary.get(f"/admin/correction/details/?id={ident}").get_data(as_text=True)
    for text in (member.full_name, "Quê quán", "Thái Thụy, Thái Bình", "Kiến Xương, Thái Bình", "Theo giấy khai sinh",
                 "Chấp nhận và sửa hồ sơ", "Không chấp nhận"):
        assert text in page, text


def test_accepting_applies_the_value_and_audits_both(person, dbq, staff_client):
    """Does accepting write the value into the record, mark the request accepted with the old value kept,
    and leave an audit entry naming the member with old → new, beside the answer's own entry?"""
    member, client = person()
    ident = asked(client, dbq, member, "date_of_birth", "18/09/1972")
    since = last_id(dbq)
    r = answer(staff_client("secretary"), ident, "accept")
    assert r.status_code == 302
    assert member_value(dbq, member, "date_of_birth") == date(1972, 9, 18)
    saved = dbq(lambda s: s.get(CorrectionRequest, ident))
    assert (saved.status, saved.previous_value) == ("accepted", "01/05/1970")
    [change] = entries_since(dbq, since, "update")
    assert (change.entity, change.entity_id, change.subject_ids) == ("member", member.id, [member.id])
    assert change.changes["date_of_birth"] == ["1970-05-01", "1972-09-18"]
    assert change.detail["correction_request"] == ident and member.full_name in change.detail["label"]
    [answered] = entries_since(dbq, since, "correction_accept")
    assert answered.entity_id == ident and answered.changes["status"] == ["pending", "accepted"]
    assert "Đã sửa" in client.get("/me/data").get_data(as_text=True)


def test_the_change_and_its_audit_are_one_transaction(person, dbq, staff_client, monkeypatch):
    """When writing the answer's audit entry fails, is the record left as it was (no change without its entry)?"""
    import handbook.privacy.operations as operations

    member, client = person()
    ident = asked(client, dbq, member, "hometown", "Vũ Thư, Thái Bình")
    secretary = staff_client("secretary")
    original = operations.record

    def failing(action, *args, **kwargs):
        if action == "correction_accept":
            raise RuntimeError("the audit trail is unavailable")
        return original(action, *args, **kwargs)

    monkeypatch.setattr(operations, "record", failing)
    since = last_id(dbq)
    with pytest.raises(RuntimeError):
        answer(secretary, ident, "accept")
    assert member_value(dbq, member, "hometown") == "Thái Thụy, Thái Bình"
    assert requests_of(dbq, member.id)[0][3] == "pending"
    assert entries_since(dbq, since, "update") == []


def test_rejecting_needs_a_reason_the_member_reads(person, dbq, staff_client):
    """Is a rejection without a reason refused (400, nothing changed), and a reason shown on the member's page?"""
    member, client = person()
    ident = asked(client, dbq, member, "phone", "0987654321")
    secretary = staff_client("secretary")
    r = answer(secretary, ident, "reject", "  ")
    assert r.status_code == 400 and "Vui lòng nêu lý do không chấp nhận" in r.get_data(as_text=True)
    assert requests_of(dbq, member.id)[0][3] == "pending"
    assert answer(secretary, ident, "reject", "Số này không khớp với lý lịch").status_code == 302
    assert requests_of(dbq, member.id)[0][3:] == ("rejected", "Số này không khớp với lý lịch")
    assert member_value(dbq, member, "phone") == "0912000111"
    page = client.get("/me/data").get_data(as_text=True)
    assert "Không chấp nhận" in page and "Lý do" in page and "Số này không khớp với lý lịch" in page


def test_a_request_is_answered_once(person, dbq, staff_client):
    """Is a second answer (a double click, a stale page) refused with 409 and no second change?"""
    member, client = person()
    ident = asked(client, dbq, member, "hometown", "Đông Hưng, Thái Bình")
    secretary = staff_client("secretary")
    page = secretary.get(f"/admin/correction/details/?id={ident}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "decision": "accept", "version": "1"}
    assert secretary.post(f"/admin/correction/answer/?id={ident}", data=form).status_code == 302
    # Staff correct the record again by hand; the repeated click must not write the value back.
    dbq(lambda s: (s.execute(update(Member).where(Member.id == member.id).values(hometown="Quỳnh Phụ, Thái Bình")), s.commit()))
    since = last_id(dbq)
    for data in (form, {**form, "decision": "reject", "response": "Nhầm lẫn, bấm lại"}):
        r = secretary.post(f"/admin/correction/answer/?id={ident}", data=data)
        assert r.status_code == 409
        assert "Yêu cầu này đã được xử lý (Đã sửa" in r.get_data(as_text=True)
    assert member_value(dbq, member, "hometown") == "Quỳnh Phụ, Thái Bình"
    assert requests_of(dbq, member.id)[0][3:] == ("accepted", None)
    assert [e.action for e in entries_since(dbq, since) if e.action in ("update", "correction_accept", "correction_reject")] == []


def test_an_answer_from_a_stale_page_is_refused(person, dbq, staff_client):
    """Is an answer posted from a page loaded before the request changed refused with 409?"""
    member, client = person()
    ident = asked(client, dbq, member, "hometown", "Tiền Hải, Thái Bình")
    r = answer(staff_client("secretary"), ident, "accept", version=7)
    assert r.status_code == 409 and "Vui lòng tải lại trang" in r.get_data(as_text=True)
    assert member_value(dbq, member, "hometown") == "Thái Thụy, Thái Bình"


def test_a_value_that_became_invalid_is_refused_at_accept_time(person, dbq, staff_client):
    """When the record changed after the request so that the value breaks its rules, is accepting refused?"""
    member, client = person()
    ident = asked(client, dbq, member, "admitted_on", "10/03/1993")
    dbq(lambda s: (s.execute(update(Member).where(Member.id == member.id).values(date_of_birth=date(1980, 1, 1))), s.commit()))
    r = answer(staff_client("secretary"), ident, "accept")
    assert r.status_code == 409
    assert "Giá trị đề nghị không còn hợp lệ với hồ sơ hiện tại: Ngày vào Đảng phải sau khi đủ 18 tuổi." in r.get_data(as_text=True)
    assert member_value(dbq, member, "admitted_on") == date(1995, 3, 10)
    assert requests_of(dbq, member.id)[0][3] == "pending"


@pytest.mark.parametrize("role", ["secretary", "committee"])
def test_a_request_outside_the_scope_is_404(person, dbq, make, tree, app, role):
    """Can a secretary or committee of another part of the tree open or answer a request? (No: 404, nothing changed.)"""
    member, client = person("B1")
    ident = asked(client, dbq, member, "hometown", "Hưng Hà, Thái Bình")
    outsider = make.user("secretary", tree["B3"], make.member(tree["B3"], "Lý Văn Ngoài Chi Bộ")) if role == "secretary" else tree["committee2"]
    other = logged_in_client(app, outsider)
    assert other.get(f"/admin/correction/details/?id={ident}").status_code == 404
    token = csrf_token(other, "/admin/correction/")
    for decision in ("accept", "reject"):
        r = other.post(f"/admin/correction/answer/?id={ident}", data={
            "csrf_token": token, "decision": decision, "response": "Không được phép", "version": "1"})
        assert r.status_code == 404
    assert member_value(dbq, member, "hometown") == "Thái Thụy, Thái Bình"
    assert requests_of(dbq, member.id)[0][3] == "pending"


def test_nobody_answers_a_request_about_their_own_record(make, tree, app, dbq):
    """May a secretary accept a correction of their own record? (No: the page says why, a forced post is 403.)"""
    own = make.member(tree["B2"], "Bí Thư Tự Sửa", **RECORD)
    secretary = make.user("secretary", tree["B2"], own)
    client = logged_in_client(app, secretary)
    ident = asked(client, dbq, own, "hometown", "Kiến Xương, Thái Bình")
    page = client.get(f"/admin/correction/details/?id={ident}").get_data(as_text=True)
    assert "không thể tự xử lý yêu cầu sửa hồ sơ của chính mình" in page and "Chấp nhận và sửa hồ sơ" not in page
    since = last_id(dbq)
    r = answer(client, ident, "accept")
    assert r.status_code == 403 and "không thể tự xử lý" in r.get_data(as_text=True)
    assert member_value(dbq, own, "hometown") == "Thái Thụy, Thái Bình"
    actions = [e.action for e in entries_since(dbq, since)]
    assert "refused_rights" in actions and "update" not in actions
    # Their committee may.
    assert answer(logged_in_client(app, tree["committee"]), ident, "accept").status_code == 302
    assert member_value(dbq, own, "hometown") == "Kiến Xương, Thái Bình"


@pytest.fixture
def staff_client(app, tree):
    """A logged-in client of one of the tree's staff accounts."""
    return lambda role: logged_in_client(app, tree[role])
