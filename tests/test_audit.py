"""The audit trail: one entry per audited action, with the right fields, and no way to change it."""
import pytest
from sqlalchemy import select, text, update

from audit_support import entries_since, last_id
from handbook.audit.models import AppendOnlyError, AuditEntry
from handbook.audit.operations import clean, record
from support import csrf_token, export_rows


def test_login_success_leaves_one_entry(client, auth, tree, dbq):
    """Does a successful login leave exactly one 'login' entry naming the user, address and browser?"""
    since = last_id(dbq)
    auth.login(tree["committee"])
    [entry] = entries_since(dbq, since)
    assert entry.action == "login" and entry.user_id == tree["committee"].id
    assert entry.login == tree["committee"].login and entry.ip == "127.0.0.1"
    assert entry.actor_org_path and entry.user_agent is not None


def test_failed_login_and_lockout_are_recorded_without_password(client, auth, make, tree, dbq, monkeypatch):
    """Does each wrong password leave one 'login_failed' entry counting the failures, and a try past
    the limit leave 'login_locked' naming it — with the password nowhere in the trail?"""
    monkeypatch.setitem(client.application.config, "LOGIN_ACCOUNT_ADDRESS_LIMIT", "5/15minutes")
    user = make.user("member", tree["B1"], make.member(tree["B1"]))
    since = last_id(dbq)
    for _ in range(5):
        auth.login(user, password="sai-mat-khau-XYZ")
    auth.login(user)
    rows = entries_since(dbq, since)
    assert [e.action for e in rows] == ["login_failed"] * 5 + ["login_locked"]
    assert all(e.login == user.login and e.entity_id == user.id for e in rows)
    assert [e.detail for e in rows] == [{"failures": n} for n in range(1, 6)] + [{"limit": "login-account-address"}]
    assert "sai-mat-khau-XYZ" not in repr([(e.changes, e.detail, e.login) for e in rows])


def test_unknown_login_is_recorded_cleaned(client, dbq, tree):
    """Is a failed login for an unknown name recorded once, with newlines stripped (no forged log lines)?"""
    since = last_id(dbq)
    token = csrf_token(client)
    client.post("/login", data={"login": "ke.gian@x.vn\nFAKE login ok", "password": "x", "csrf_token": token})
    [entry] = entries_since(dbq, since)
    assert entry.action == "login_failed" and entry.user_id is None
    assert "\n" not in entry.login and "fake login ok" in entry.login


def test_logout_leaves_one_entry(client, auth, tree, dbq):
    """Does logging out leave exactly one 'logout' entry?"""
    auth.login(tree["secretary"])
    since = last_id(dbq)
    auth.logout()
    [entry] = entries_since(dbq, since)
    assert entry.action == "logout" and entry.user_id == tree["secretary"].id


def test_scoped_404_is_recorded(client, auth, tree, dbq):
    """Does a secretary opening another branch's member get a 404 and leave one 'refused_404' entry?"""
    auth.login(tree["secretary"])
    since = last_id(dbq)
    r = client.get(f"/admin/member/details/?id={tree['B3.m1'].id}")
    assert r.status_code == 404
    [entry] = entries_since(dbq, since)
    assert (entry.action, entry.entity, entry.entity_id) == ("refused_404", "member", tree["B3.m1"].id)
    assert entry.user_id == tree["secretary"].id


def test_403_is_recorded(client, auth, tree, dbq):
    """Does a member knocking on the back office leave one 'refused_403' entry with the path?"""
    auth.login(tree["member"])
    since = last_id(dbq)
    assert client.get("/admin/member/").status_code == 403
    [entry] = entries_since(dbq, since)
    assert entry.action == "refused_403" and entry.detail["path"] == "/admin/member/"


def test_create_update_delete_are_recorded_with_changes(client, auth, make, tree, dbq):
    """Do create, update and delete in the admin each leave one entry with field → [old, new],
    the CCCD masked?"""
    auth.login(tree["secretary"])
    token = csrf_token(client, "/admin/member/new/")
    since = last_id(dbq)
    r = client.post("/admin/member/new/", data={
        "csrf_token": token, "full_name": "Đỗ Thị Hạnh", "card_number": "77000001", "status": "official",
        "organization": str(tree["B1"].id), "position": "member", "new_national_id": "034123456789",
    })
    assert r.status_code == 302
    [created] = entries_since(dbq, since)
    assert created.action == "create" and created.entity == "member"
    assert created.changes["full_name"] == [None, "Đỗ Thị Hạnh"]
    assert created.changes["national_id"] == [None, "•••••••••789"]
    assert "034123456789" not in repr(created.changes)
    assert created.subject_ids == [created.entity_id]

    member_id = created.entity_id
    since = last_id(dbq)
    r = client.post(f"/admin/member/edit/?id={member_id}", data={
        "csrf_token": token, "full_name": "Đỗ Thị Hạnh", "card_number": "77000001", "status": "probationary",
        "organization": str(tree["B1"].id), "position": "member", "phone": "0912000111",
    })
    assert r.status_code == 302
    [updated] = entries_since(dbq, since)
    assert updated.action == "update" and updated.entity_id == member_id
    assert updated.changes == {"status": ["official", "probationary"], "phone": [None, "0912000111"]}

    since = last_id(dbq)
    r = client.post("/admin/member/delete/", data={"csrf_token": token, "id": str(member_id), "url": "/admin/member/"})
    assert r.status_code == 302
    [deleted] = entries_since(dbq, since)
    assert deleted.action == "delete" and deleted.entity_id == member_id
    assert deleted.changes["full_name"] == ["Đỗ Thị Hạnh", None]
    assert deleted.ip == "127.0.0.1"


def test_failed_save_leaves_no_entry(client, auth, tree, dbq):
    """Does a save refused by a rule (member moved out of scope) leave no 'update' entry?"""
    auth.login(tree["secretary"])
    token = csrf_token(client, "/admin/member/new/")
    since = last_id(dbq)
    client.post("/admin/member/new/", data={
        "csrf_token": token, "full_name": "Ngoài Phạm Vi", "card_number": "77000002", "status": "official",
        "organization": str(tree["B3"].id), "position": "member",
    })
    assert [e.action for e in entries_since(dbq, since)] == []


def test_password_never_reaches_the_audit(client, auth, make, tree, dbq):
    """When an admin sets a password, is the entry free of the password, its hash and the session token?"""
    user = make.user("member", tree["B2"], make.member(tree["B2"]))
    auth.login(tree["admin"])
    token = csrf_token(client, f"/admin/user/edit/?id={user.id}")
    since = last_id(dbq)
    r = client.post(f"/admin/user/edit/?id={user.id}", data={
        "csrf_token": token, "login": user.login, "role": "member", "member": str(user.member_id),
        "active": "y", "new_password": "mat-khau-moi-99",
    })
    assert r.status_code == 302
    [entry] = entries_since(dbq, since, "update")
    dump = repr((entry.changes, entry.detail))
    assert "mat-khau-moi-99" not in dump and "password_hash" not in dump and "session_token" not in dump
    assert entry.detail["password_changed"] is True


def test_bulk_delete_records_each_row(client, auth, make, tree, dbq):
    """Does a bulk delete of two members leave one 'delete' entry per member?"""
    a, b = make.member(tree["B1"], "Xóa Một"), make.member(tree["B1"], "Xóa Hai")
    auth.login(tree["secretary"])
    token = csrf_token(client, "/admin/member/")
    since = last_id(dbq)
    r = client.post("/admin/member/action/", data={"csrf_token": token, "action": "delete", "rowid": [str(a.id), str(b.id)]})
    assert r.status_code == 302
    rows = entries_since(dbq, since)
    assert sorted((e.action, e.entity_id) for e in rows) == sorted([("delete", a.id), ("delete", b.id)])


def test_export_is_recorded_with_screen_filters_and_rows(client, auth, tree, dbq):
    """Does a CSV export leave one entry with the screen, search, filters, row count and the exported members?"""
    auth.login(tree["secretary"])
    since = last_id(dbq)
    r = client.get("/admin/member/export/csv/?search=B1")
    body = r.get_data(as_text=True)
    assert r.status_code == 200
    [entry] = entries_since(dbq, since)
    assert entry.action == "export" and entry.entity == "member"
    assert entry.detail["screen"] == "Đảng viên" and entry.detail["format"] == "csv"
    assert entry.detail["search"] == "B1" and entry.detail["rows"] == body.count("\n") - 1
    assert {tree["B1.m1"].id, tree["B1.m2"].id} <= set(entry.subject_ids)
    assert tree["B3.m1"].id not in entry.subject_ids


def test_xlsx_export_with_filter_is_recorded(client, auth, tree, dbq):
    """Does an xlsx export with a filter leave one entry naming the filter?"""
    auth.login(tree["committee"])
    since = last_id(dbq)
    r = client.get("/admin/member/export/xlsx/?flt0_0=official")
    assert r.status_code == 200
    [entry] = entries_since(dbq, since)
    assert entry.detail["format"] == "xlsx"
    assert list(entry.detail["filters"].values()) == ["official"]
    assert list(entry.detail["filters"])[0].startswith("Tình trạng")


def test_opening_a_member_is_recorded(client, auth, tree, dbq):
    """Does opening a member's details leave one 'view' entry naming the member?"""
    auth.login(tree["secretary"])
    since = last_id(dbq)
    assert client.get(f"/admin/member/details/?id={tree['B1.m1'].id}").status_code == 200
    [entry] = entries_since(dbq, since)
    assert (entry.action, entry.entity_id, entry.subject_ids) == ("view", tree["B1.m1"].id, [tree["B1.m1"].id])


def test_orm_cannot_change_or_delete_an_entry(app):
    """Does the application refuse to update or delete an audit entry, one by one or in bulk?"""
    from handbook.extensions import db

    with app.app_context():
        entry_id = record("view", "member", 1, detail={"x": 1})
        db.session.commit()
        entry = db.session.get(AuditEntry, entry_id)
        entry.action = "forged"
        with pytest.raises(AppendOnlyError):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(AppendOnlyError):
            db.session.delete(db.session.get(AuditEntry, entry_id))
            db.session.commit()
        db.session.rollback()
        with pytest.raises(AppendOnlyError):
            db.session.execute(update(AuditEntry).where(AuditEntry.id == entry_id).values(action="forged"))
        db.session.rollback()
        assert db.session.get(AuditEntry, entry_id).action == "view"


def test_database_refuses_to_change_an_entry(app):
    """Does the database itself (trigger) refuse UPDATE and DELETE on the audit table?"""
    from sqlalchemy.exc import DatabaseError

    from handbook.extensions import db

    with app.app_context():
        entry_id = record("view", "member", 1)
        db.session.commit()
        for sql in ("UPDATE audit_entry SET action = 'forged' WHERE id = :id", "DELETE FROM audit_entry WHERE id = :id"):
            with db.engine.connect() as conn, pytest.raises(DatabaseError, match="append-only"):
                conn.execute(text(sql), {"id": entry_id})
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn, pytest.raises(DatabaseError, match="append-only"):
                conn.execute(text("TRUNCATE audit_subject, audit_entry"))
        assert db.session.execute(select(AuditEntry.action).where(AuditEntry.id == entry_id)).scalar() == "view"


def test_audit_screen_has_no_way_to_change_entries(client, auth, tree):
    """Does the audit screen offer no create, edit or delete, even to an admin?"""
    auth.login(tree["admin"])
    assert client.get("/admin/audit/").status_code == 200
    assert client.get("/admin/audit/new/").status_code in (302, 403, 404)
    token = csrf_token(client, "/admin/member/")
    r = client.post("/admin/audit/delete/", data={"csrf_token": token, "id": "1"})
    assert r.status_code in (302, 403, 404)
    assert client.get("/admin/audit/edit/?id=1").status_code in (302, 403, 404)


def test_audit_screen_is_scoped(app, client, auth, tree):
    """Does a committee of C2 see the entries of C2's actors and not those of C1's?"""
    import re

    from support import AuthActions

    AuthActions(app.test_client()).login(tree["committee"])  # an entry by a C1 actor
    auth.login(tree["committee2"])

    def table(url):
        html = client.get(url).get_data(as_text=True)
        return " ".join(re.findall(r"<td[^>]*>(.*?)</td>", html, re.S))  # the cells, not the sort links

    assert tree["committee"].login not in table("/admin/audit/?search=" + tree["committee"].login)
    assert tree["committee2"].login in table("/admin/audit/?search=" + tree["committee2"].login)
    admin = app.test_client()
    AuthActions(admin).login(tree["admin"])
    html = admin.get("/admin/audit/?search=" + tree["committee"].login).get_data(as_text=True)
    assert tree["committee"].login in " ".join(re.findall(r"<td[^>]*>(.*?)</td>", html, re.S))


def test_times_are_shown_in_vietnam(client, auth, tree, dbq):
    """Are times stored in UTC and shown in Asia/Ho_Chi_Minh (seven hours ahead)?"""
    from datetime import timedelta

    auth.login(tree["admin"])
    [entry] = entries_since(dbq, last_id(dbq) - 1)
    page = client.get(f"/admin/audit/details/?id={entry.id}").get_data(as_text=True)
    assert (entry.at + timedelta(hours=7)).strftime("%d/%m/%Y %H:%M") in page


def test_clean_strips_control_characters_and_caps_length():
    """Is text made safe against log injection: no control characters, newlines or line separators; capped?"""
    assert clean("a\r\nb\x1b[31mc\u2028d") == "a b [31mc d"
    assert len(clean("x" * 10_000)) == 500


def test_exports_are_read_in_chunks_in_list_order_and_audited_once(app, client, auth, tree, dbq, monkeypatch):
    """Read two rows at a time, do the CSV and xlsx exports still hold every row of the list, sorted
    as the list is, with one audit entry each; and does a download stopped half way record what was sent?"""
    import re

    from handbook.admin.base import ScopedModelView

    monkeypatch.setattr(ScopedModelView, "EXPORT_CHUNK", 2)
    auth.login(tree["committee"])
    listed = client.get("/admin/member/?sort=0").get_data(as_text=True)
    names = re.findall(r'<td class="col-full_name">\s*(.*?)\s*</td>', listed, re.S)
    assert len(names) >= 4  # more than one chunk
    since = last_id(dbq)
    csv_rows = export_rows(client.get("/admin/member/export/csv/?sort=0"), "csv")
    assert [row[0] for row in csv_rows[1:len(names) + 1]] == names
    xlsx_rows = export_rows(client.get("/admin/member/export/xlsx/?sort=0"), "xlsx")
    assert [row[0] for row in xlsx_rows[1:len(names) + 1]] == names
    assert [e.detail["rows"] for e in entries_since(dbq, since)] == [len(csv_rows) - 1, len(xlsx_rows) - 1]

    since = last_id(dbq)
    stopped = client.get("/admin/member/export/csv/?sort=0", buffered=False)
    chunks = iter(stopped.response)
    next(chunks), next(chunks)  # the titles and a first chunk of two rows, then the client goes away
    stopped.close()
    [entry] = entries_since(dbq, since)
    assert entry.detail["rows"] == 2 and len(entry.subject_ids) == 2
