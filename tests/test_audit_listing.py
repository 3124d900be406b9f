"""Personal data seen is personal data audited: lists, searches, ajax lookups and breach look-ups.

Each request that shows members writes exactly one audit entry naming them, and the breach
question "who saw member X" then finds it.
"""
import re
from contextlib import contextmanager

from sqlalchemy import event

from audit_support import entries_since, last_id
from handbook.audit.queries import who_saw_member
from handbook.extensions import db
from support import AuthActions


def _row_ids(page: str) -> set[int]:
    """The ids of the rows a list page shows (each row links to its details)."""
    return {int(i) for i in re.findall(r"/details/\?id=(\d+)", page)}


def _only_entry(dbq, since):
    """The one entry a request wrote (fails when it wrote none or several)."""
    entries = entries_since(dbq, since)
    assert len(entries) == 1, [(e.action, e.detail) for e in entries]
    return entries[0]


@contextmanager
def _audit_statements(app):
    """Collect the SQL statements that write the audit tables while the block runs."""
    seen = []

    def note(_conn, _cursor, statement, _params, _context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_"):
            seen.append((statement.split("(")[0].strip(), executemany))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_member_list_and_search_are_audited_with_the_members_shown(app, client, auth, dbq, make, tree):
    """Does a committee user's member list, and a search by name, each leave one entry naming exactly the members shown?"""
    target = make.member(tree["B2"], "Lê Thị Danh Sách")
    auth.login(tree["committee"])

    before = last_id(dbq)
    page = client.get("/admin/member/?page_size=100").get_data(as_text=True)
    entry = _only_entry(dbq, before)
    assert (entry.action, entry.entity, entry.login, entry.role) == ("list", "member", tree["committee"].login, "committee")
    assert set(entry.subject_ids) == _row_ids(page) and target.id in entry.subject_ids
    assert tree["B3.m1"].id not in entry.subject_ids  # outside C1: neither shown nor named
    assert entry.detail["screen"] == "Đảng viên" and entry.detail["page"] == 1
    assert entry.detail["rows"] == len(_row_ids(page))

    before = last_id(dbq)
    page = client.get("/admin/member/?search=danh+sach").get_data(as_text=True)
    entry = _only_entry(dbq, before)
    assert _row_ids(page) == {target.id}
    assert entry.action == "list" and entry.subject_ids == [target.id]
    assert entry.detail["search"] == "danh sach" and entry.detail["rows"] == 1


def test_filters_and_pages_are_recorded(app, client, auth, dbq, tree):
    """Does the entry say which filter and which page the user looked at?"""
    auth.login(tree["secretary"])
    before = last_id(dbq)
    page = client.get("/admin/member/?flt0_0=official&page=0").get_data(as_text=True)
    entry = _only_entry(dbq, before)
    assert set(entry.subject_ids) == _row_ids(page)
    assert list(entry.detail["filters"].values()) == ["official"]


def test_ajax_member_lookup_is_audited(app, client, auth, dbq, make, tree):
    """Does a search-as-you-type lookup of members (/admin/user/ajax/lookup/?name=member) leave one entry naming the members offered?"""
    target = make.member(tree["B1"], "Phạm Văn Gõ Tìm")
    auth.login(tree["committee"])
    before = last_id(dbq)
    r = client.get("/admin/user/ajax/lookup/?name=member&query=go+tim")
    offered = {item[0] for item in r.get_json()}
    assert offered == {target.id}
    entry = _only_entry(dbq, before)
    assert (entry.action, entry.entity, entry.subject_ids) == ("lookup", "member", [target.id])
    assert entry.detail["search"] == "go tim" and entry.detail["field"] == "member" and entry.detail["screen"] == "user"


def test_lookups_and_lists_without_personal_data_write_nothing(app, client, auth, dbq, tree):
    """Do screens that show no member (the organization list and its lookup) stay out of the audit?"""
    auth.login(tree["committee"])
    before = last_id(dbq)
    assert client.get("/admin/organization/").status_code == 200
    assert client.get(f"/admin/member/ajax/lookup/?name=organization&query={tree['B1'].code}").get_json()
    assert entries_since(dbq, before) == []


def test_account_and_correction_lists_name_the_members_behind_them(app, client, auth, dbq, tree):
    """Do the account list and the correction-request list name the members behind their rows?"""
    auth.login(tree["secretary"])
    before = last_id(dbq)
    client.get("/admin/user/?page_size=100")
    entry = _only_entry(dbq, before)
    assert entry.action == "list" and entry.entity == "user_account"
    assert tree["B1.m2"].id in entry.subject_ids  # the member account of B1
    before = last_id(dbq)
    assert client.get("/admin/correction/").status_code == 200
    assert _only_entry(dbq, before).action == "list"


def test_an_export_is_one_export_entry_not_a_list_too(app, client, auth, dbq, tree):
    """Is an export still exactly one entry (the export), not also a list?"""
    auth.login(tree["committee"])
    before = last_id(dbq)
    assert client.get("/admin/member/export/csv/").status_code == 200
    assert [e.action for e in entries_since(dbq, before)] == ["export"]


def test_a_list_page_is_one_audit_write_however_many_rows(app, client, auth, dbq, make, tree):
    """Is a page of many members audited by one entry and one batch of subjects, never a write per row?"""
    branch = make.org(tree["G1"], "branch", "Chi bộ đông")
    for i in range(30):
        make.member(branch, f"Lê Thị Nhiều {i:02d}")  # not "Đảng viên…": test_search pages through "dang"
    auth.login(tree["committee"])
    with _audit_statements(app) as writes:
        page = client.get("/admin/member/?page_size=100").get_data(as_text=True)
    assert len(_row_ids(page)) >= 30
    assert [w[0].upper() for w in writes] == ["INSERT INTO AUDIT_ENTRY", "INSERT INTO AUDIT_SUBJECT"], writes
    assert writes[1][1], "the subjects go in one executemany"


def test_breach_lookup_is_audited_and_who_saw_finds_the_listing(app, client, auth, dbq, make, tree):
    """After a committee account lists a member, does the admin's breach look-up (itself audited) and `flask audit who-saw` name that listing?"""
    target = make.member(tree["B2"], "Hoàng Văn Bị Liệt Kê")
    lister = make.user("committee", tree["G1"])
    c = app.test_client()
    AuthActions(c).login(lister)
    assert "Bị Liệt Kê" in c.get("/admin/member/?search=bi+liet+ke").get_data(as_text=True)
    assert (lister.login, "list") in dbq(lambda s: [(e.login, e.action) for e in who_saw_member(s, target.id)])

    auth.login(tree["admin"])
    before = last_id(dbq)
    page = client.get(f"/admin/breach/?member={target.card_number}").get_data(as_text=True)
    assert lister.login in page and "Xem danh sách" in page
    entry = _only_entry(dbq, before)
    assert (entry.action, entry.subject_ids, entry.detail["member"]) == ("breach_lookup", [target.id], target.card_number)

    before = last_id(dbq)
    page = client.get(f"/admin/breach/?user={lister.login}").get_data(as_text=True)
    assert "Bị Liệt Kê" in page
    entry = _only_entry(dbq, before)
    assert entry.action == "breach_lookup" and target.id in entry.subject_ids

    out = app.test_cli_runner().invoke(args=["audit", "who-saw", "--member", target.card_number]).output
    assert f"{lister.login}\tlist" in out and f"{tree['admin'].login}\tbreach_lookup" in out


def test_every_screen_that_shows_members_audits_its_list(app):
    """Does every registered screen whose rows are members or name one (member_id) audit its list pages?"""
    from handbook.admin.base import ScopedModelView, shown_member_ids

    views = [v for v in app.extensions["handbook_admin"]._views if isinstance(v, ScopedModelView)]
    showing = [v.endpoint for v in views if shown_member_ids(v.model, []) is not None]
    assert {"member", "user", "correction", "readmark"} <= set(showing)
    assert [e for e in showing if not next(v for v in views if v.endpoint == e).audits_listing] == []


def test_an_audit_list_names_the_members_its_entries_are_about(app, client, auth, dbq, make, tree):
    """Does listing the audit trail (where entries name members) count as seeing those members?"""
    target = make.member(tree["B1"], "Ngô Văn Trong Nhật Ký")
    auth.login(tree["secretary"])
    client.get(f"/admin/member/details/?id={target.id}")
    before = last_id(dbq)
    assert client.get("/admin/audit/", query_string={"flt0_0": "view"}).status_code == 200
    entry = _only_entry(dbq, before)
    assert (entry.action, entry.entity) == ("list", "audit_entry") and target.id in entry.subject_ids
