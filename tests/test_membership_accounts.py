"""Accounts follow membership: leaving the Party, transferring out, death or deletion of the member
record ends the account and every login session, in the same transaction, audited.

The attack seen: a deleted member's account, and an expelled member's, still read branch documents.
"""
import html
import re

import pytest
from sqlalchemy import select

from content_support import make_document
from handbook.audit.models import AuditEntry
from handbook.auth.models import User
from handbook.auth.sessions import UserSession
from handbook.organizations.models import Member
from support import AuthActions, csrf_token, logged_in_client

ENDED = ["expelled", "transferred", "deceased"]


@pytest.fixture
def reader(app, make, tree):
    """A member of branch B1 logged in (with a remember cookie) on their phone, reading the branch library."""
    member = make.member(tree["B1"], "Đọc Văn Tài Liệu")
    user = make.user("member", tree["B1"], member)
    make_document(app, tree["B1"], "Văn bản chi bộ B1 MA10")
    phone = app.test_client()
    assert AuthActions(phone).login(user, remember=True).status_code == 302
    assert "Văn bản chi bộ B1 MA10" in phone.get("/documents/?q=ma10").get_data(as_text=True)
    return member, user, phone


def _hidden_fields(client, url) -> dict:
    """The hidden inputs of the form at ``url`` (the CSRF token, and whatever else the screen carries)."""
    page = client.get(url).get_data(as_text=True)
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name, value = re.search(r'name="([^"]*)"', tag), re.search(r'value="([^"]*)"', tag)
        if 'type="hidden"' in tag and name:
            fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    assert "csrf_token" in fields, f"no form on {url}"
    return fields


def _post_edit(client, screen, row_id, data):
    """Post the edit form of ``screen`` for ``row_id`` with ``data`` and the form's own hidden fields."""
    url = f"/admin/{screen}/edit/?id={row_id}"
    return client.post(url, data={**_hidden_fields(client, url), **data})


def _edit_member(client, member, **changes):
    """Post the member screen's edit form for ``member`` with ``changes``."""
    data = {"full_name": member.full_name, "card_number": member.card_number,
            "organization": str(member.organization_id), "status": member.status, "position": "member",
            "gender": "male"}
    return _post_edit(client, "member", member.id, {**data, **changes})


def _assert_account_ended(app, dbq, user, phone, reason):
    """The member's next request is logged out, the remember cookie and a fresh login are refused,
    the account is inactive with every session ended, and one audit entry says why."""
    response = phone.get("/documents/")
    assert response.status_code == 302 and "/login" in response.location
    thief = app.test_client()
    remember = phone.get_cookie("remember_token")
    if remember is not None:
        thief.set_cookie("remember_token", remember.value)
        assert thief.get("/documents/").status_code == 302
    again = app.test_client()
    assert AuthActions(again).login(user).status_code == 401
    assert again.get("/documents/").status_code == 302
    account = dbq(lambda s: s.get(User, user.id))
    assert account.active is False and account.session_token != user.session_token
    open_sessions = dbq(lambda s: s.execute(select(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None))).scalars().all())
    assert open_sessions == []
    entries = dbq(lambda s: [(e.detail["reason"], [x.member_id for x in e.subjects]) for e in s.execute(
        select(AuditEntry).where(AuditEntry.action == "account_ended", AuditEntry.entity_id == user.id)).scalars()])
    assert entries == [(reason, [user.member_id])]


@pytest.mark.parametrize("status", ENDED)
def test_member_leaving_is_logged_out_at_once(app, dbq, tree, reader, status):
    """When the secretary marks a member who is reading the branch library as expelled (transferred,
    deceased) on the member screen, is the member's next request logged out and the account ended?"""
    member, user, phone = reader
    response = _edit_member(logged_in_client(app, tree["secretary"]), member, status=status)
    assert response.status_code == 302
    assert dbq(lambda s: s.get(Member, member.id).status) == status
    _assert_account_ended(app, dbq, user, phone, status)


def test_deleted_member_is_logged_out_at_once(app, dbq, tree, reader):
    """When committee staff delete the record of a member who is reading, does their account end
    before the link to the record is cut?"""
    member, user, phone = reader
    staff = logged_in_client(app, tree["committee"])
    token = csrf_token(staff, "/admin/member/")
    assert staff.post("/admin/member/delete/", data={"id": member.id, "csrf_token": token}).status_code == 302
    assert dbq(lambda s: s.get(Member, member.id)) is None
    assert dbq(lambda s: s.get(User, user.id).member_id) is None
    _assert_account_ended(app, dbq, user, phone, "deleted")


def test_bulk_delete_ends_every_account(app, make, dbq, tree, reader):
    """Does the list's bulk delete end the accounts of all the members it deletes?"""
    member, user, phone = reader
    other = make.member(tree["B1"], "Xóa Cùng Lúc")
    other_user = make.user("member", tree["B1"], other)
    other_phone = logged_in_client(app, other_user)
    staff = logged_in_client(app, tree["secretary"])
    token = csrf_token(staff, "/admin/member/")
    response = staff.post("/admin/member/action/", data={
        "action": "delete", "csrf_token": token, "rowid": [str(member.id), str(other.id)]})
    assert response.status_code == 302
    _assert_account_ended(app, dbq, user, phone, "deleted")
    _assert_account_ended(app, dbq, other_user, other_phone, "deleted")


def test_staff_account_linked_to_a_member_ends_too(app, make, dbq, tree):
    """Does a secretary whose own member record is marked transferred lose the back office at once?"""
    member = make.member(tree["B2"], "Bí Thư Chuyển Đi")
    secretary = make.user("secretary", tree["B2"], member)
    desk = logged_in_client(app, secretary)
    assert desk.get("/admin/member/").status_code == 200
    assert _edit_member(logged_in_client(app, tree["committee"]), member, status="transferred").status_code == 302
    assert desk.get("/admin/member/").status_code == 302
    _assert_account_ended(app, dbq, secretary, desk, "transferred")


def test_change_outside_the_screens_ends_the_account(app, make, dbq, tree):
    """Does a status change made by a script (a CLI, an import) end the account in the same transaction?"""
    from handbook.extensions import db

    member = make.member(tree["B3"], "Đổi Bằng Lệnh")
    user = make.user("member", tree["B3"], member)
    phone = logged_in_client(app, user)
    with app.app_context():
        db.session.get(Member, member.id).status = "deceased"
        db.session.commit()
    _assert_account_ended(app, dbq, user, phone, "deceased")


def test_readmitted_member_is_not_reactivated_silently(app, make, dbq, tree):
    """When an expelled member is readmitted, does the account stay off until staff turn it on, and is
    turning it on refused while the member is still expelled?"""
    member = make.member(tree["B1"], "Được Kết Nạp Lại")
    user = make.user("member", tree["B1"], member)
    staff = logged_in_client(app, tree["secretary"])
    assert _edit_member(staff, member, status="expelled").status_code == 302

    def reactivate():
        return _post_edit(staff, "user", user.id, {
            "login": user.login, "role": "member", "organization": str(tree["B1"].id),
            "member": str(member.id), "active": "y", "new_password": ""})

    refused = reactivate()
    assert refused.status_code == 200
    assert "Không thể kích hoạt tài khoản của đảng viên đã ra khỏi Đảng" in refused.get_data(as_text=True)
    assert dbq(lambda s: s.get(User, user.id).active) is False
    member = dbq(lambda s: s.get(Member, member.id))
    assert _edit_member(staff, member, status="official").status_code == 302
    assert dbq(lambda s: s.get(User, user.id).active) is False
    assert AuthActions(app.test_client()).login(user).status_code == 401
    assert reactivate().status_code == 302
    assert dbq(lambda s: s.get(User, user.id).active) is True
    assert AuthActions(app.test_client()).login(user).status_code == 302


def test_other_edits_leave_the_account_alone(app, make, dbq, tree):
    """Does an ordinary edit of a member (a phone number, exempt status) keep their login?"""
    member = make.member(tree["B1"], "Sửa Thường Lệ")
    user = make.user("member", tree["B1"], member)
    phone = logged_in_client(app, user)
    assert _edit_member(logged_in_client(app, tree["secretary"]), member, status="exempt", phone="0912000111").status_code == 302
    assert phone.get("/documents/").status_code == 200
    assert dbq(lambda s: s.get(User, user.id).active) is True
    assert dbq(lambda s: s.execute(select(AuditEntry.id).where(
        AuditEntry.action == "account_ended", AuditEntry.entity_id == user.id)).first()) is None
