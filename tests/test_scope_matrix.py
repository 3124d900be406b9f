"""Roles × screens × actions: a row outside the user's subtree never shows and cannot be touched.

Every action goes through the real pages with CSRF; what is saved is checked in the database.
"""
import csv
import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select

from handbook.auth.models import User
from handbook.organizations.models import Member, Organization
from support import csrf_token

SCREENS = {"organization": Organization, "member": Member, "user": User}
STAFF = ["admin", "committee", "secretary"]


def _label(model, row) -> str:
    """What identifies a row in a page or an export."""
    return {Organization: lambda r: r.code, Member: lambda r: r.card_number, User: lambda r: r.login}[model](row)


def _rows(tree):
    """The tree's rows of each screen."""
    return {
        "organization": [tree[k] for k in ("P", "C1", "C2", "G1", "G2", "B1", "B2", "B3")],
        "member": [tree[f"{b}.{m}"] for b in ("B1", "B2", "B3") for m in ("m1", "m2")],
        "user": [tree[k] for k in ("admin", "committee", "secretary", "member", "committee2")],
    }


def _scope_path(tree, role):
    """The subtree path of each role's account in the tree fixture (None: everything)."""
    return {"admin": None, "committee": tree["C1"].path, "secretary": tree["B1"].path}[role]


def _visible(dbq, screen, row, path) -> bool:
    """Independent of the app's scoping: is ``row`` inside the subtree at ``path``?"""
    if path is None:
        return True

    def org_path(s):
        if screen == "organization":
            return row.path
        return s.get(Organization, row.organization_id).path if row.organization_id else None

    p = dbq(org_path)
    return p is not None and p.startswith(path)


def _split(dbq, tree, role, screen):
    """(inside, outside) rows of ``screen`` for ``role``."""
    path = _scope_path(tree, role)
    rows = _rows(tree)[screen]
    inside = [r for r in rows if _visible(dbq, screen, r, path)]
    outside = [r for r in rows if not _visible(dbq, screen, r, path)]
    return inside, outside


def _row_ids(page: str) -> set[int]:
    """The ids of the rows a list page shows (each row links to its details)."""
    return {int(i) for i in re.findall(r'/details/\?id=(\d+)', page)}


def _assert_refused(response, model, row):
    """404, or (where the screen is read-only for the role) a redirect to the list; never the row's data."""
    assert response.status_code in (404, 302), response.status_code
    if response.status_code == 302:
        assert "/details/" not in response.location and "/edit/" not in response.location
    assert _label(model, row) not in response.get_data(as_text=True)


def _still_there(dbq, model, row) -> bool:
    return dbq(lambda s: s.get(model, row.id)) is not None


@pytest.fixture
def as_role(client, auth, tree):
    """Log in as one of the tree's accounts."""

    def login(role):
        assert auth.login(tree[role]).status_code == 302
        return client

    return login


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("role", STAFF)
def test_list_search_and_count_show_only_the_subtree(as_role, dbq, tree, role, screen):
    """Does the list (and a search for each row) show rows inside the scope and never one outside?"""
    client = as_role(role)
    model = SCREENS[screen]
    inside, outside = _split(dbq, tree, role, screen)
    page = client.get(f"/admin/{screen}/?page_size=100").get_data(as_text=True)
    listed = _row_ids(page)
    for row in outside:
        assert row.id not in listed
        assert row.id not in _row_ids(client.get(f"/admin/{screen}/?search={_label(model, row)}").get_data(as_text=True))
    for row in inside:
        assert row.id in _row_ids(client.get(f"/admin/{screen}/?search={_label(model, row)}").get_data(as_text=True))
    # The count in the list tab equals an independent count of rows inside the subtree.
    path = _scope_path(tree, role)

    def expected(s):
        if screen == "organization":
            q = select(func.count()).select_from(Organization)
            return s.execute(q.where(Organization.path.startswith(path)) if path else q).scalar()
        q = select(func.count()).select_from(model).outerjoin(Organization, model.organization_id == Organization.id)
        return s.execute(q.where(Organization.path.startswith(path)) if path else q).scalar()

    shown = int(re.search(r"Danh sách \((\d+)\)", page).group(1))
    assert shown == dbq(expected)


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("role", STAFF)
def test_detail_edit_delete_outside_scope_are_404(as_role, dbq, tree, role, screen):
    """Do detail, edit (GET and POST) and delete of a row outside scope give 404 and change nothing?"""
    client = as_role(role)
    model = SCREENS[screen]
    _, outside = _split(dbq, tree, role, screen)
    if role == "admin":
        assert outside == []
    token = csrf_token(client, f"/admin/{screen}/")
    for row in outside:
        for url in (f"/admin/{screen}/details/?id={row.id}", f"/admin/{screen}/edit/?id={row.id}"):
            _assert_refused(client.get(url), model, row)
        _assert_refused(client.post(f"/admin/{screen}/edit/?id={row.id}", data={"csrf_token": token, "name": "Bị sửa"}), model, row)
        _assert_refused(client.post(f"/admin/{screen}/delete/", data={"id": row.id, "csrf_token": token}), model, row)
        assert _still_there(dbq, model, row)
        if screen == "organization":
            assert dbq(lambda s: s.get(Organization, row.id).name) == row.name


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("role", ["committee", "secretary"])
def test_bulk_delete_skips_rows_outside_scope(as_role, dbq, tree, role, screen):
    """Does the bulk delete action leave every row outside scope in place?"""
    client = as_role(role)
    model = SCREENS[screen]
    _, outside = _split(dbq, tree, role, screen)
    token = csrf_token(client, f"/admin/{screen}/")
    data = {"action": "delete", "csrf_token": token, "rowid": [str(r.id) for r in outside]}
    client.post(f"/admin/{screen}/action/", data=data)
    for row in outside:
        assert _still_there(dbq, model, row)


@pytest.mark.parametrize("export_type", ["csv", "xlsx"])
@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("role", STAFF)
def test_exports_hold_only_the_subtree(as_role, dbq, tree, role, screen, export_type):
    """Do the CSV and xlsx exports hold rows inside scope and none outside?"""
    client = as_role(role)
    model = SCREENS[screen]
    inside, outside = _split(dbq, tree, role, screen)
    r = client.get(f"/admin/{screen}/export/{export_type}/")
    assert r.status_code == 200
    if export_type == "csv":
        rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    else:
        rows = [[c for c in row] for row in openpyxl.load_workbook(io.BytesIO(r.data)).active.iter_rows(values_only=True)]
    cells = {str(c) for row in rows for c in row if c is not None}
    if screen == "organization":
        # A row starts with its code; the scope root's parent is named in its parent columns (as on
        # the list page), never as a row of its own.
        cells = {str(row[0]) for row in rows}
    for row in inside:
        assert _label(model, row) in cells
    for row in outside:
        assert _label(model, row) not in cells


AJAX = [("organization", "parent", Organization), ("member", "organization", Organization),
        ("user", "organization", Organization), ("user", "member", Member)]


@pytest.mark.parametrize("screen,field,remote", AJAX)
@pytest.mark.parametrize("role", STAFF)
def test_ajax_lookups_offer_only_the_subtree(as_role, dbq, tree, role, screen, field, remote):
    """Do the search-as-you-type dropdowns offer rows inside scope and none outside?"""
    client = as_role(role)
    remote_screen = "organization" if remote is Organization else "member"
    inside, outside = _split(dbq, tree, role, remote_screen)
    for row in inside + outside:
        term = row.code if remote is Organization else row.card_number
        r = client.get(f"/admin/{screen}/ajax/lookup/?name={field}&query={term}")
        ids = {item[0] for item in r.get_json()}
        assert (row.id in ids) == (row in inside), (role, screen, field, term)


@pytest.mark.parametrize("role", STAFF)
def test_plain_dropdowns_are_scoped_too(app, tree, role):
    """Would a relationship rendered as a plain <select> (no ajax) offer only the subtree?"""
    from flask_login import login_user

    from handbook.extensions import db
    from handbook.organizations.admin import MemberView

    class PlainMemberView(MemberView):
        form_ajax_refs = None

    with app.test_request_context("/admin/member/new/"):
        login_user(db.session.get(User, tree[role].id))
        view = PlainMemberView(Member, db, endpoint=f"plain_member_{role}")
        offered = {o.code for o in view.create_form().organization.query_factory()}
    expected = {"admin": {"P", "C1", "C2", "G1", "G2", "B1", "B2", "B3"},
                "committee": {"C1", "G1", "B1", "B2"}, "secretary": {"B1"}}[role]
    codes = {tree[k].code: k for k in ("P", "C1", "C2", "G1", "G2", "B1", "B2", "B3")}
    assert {codes[c] for c in offered if c in codes} == expected


@pytest.mark.parametrize("screen", SCREENS)
def test_member_role_gets_403_on_every_screen(as_role, tree, screen):
    """Is a member kept out of every screen and action of the back office?"""
    client = as_role("member")
    row = _rows(tree)[screen][0]
    for url in (f"/admin/{screen}/", f"/admin/{screen}/details/?id={row.id}", f"/admin/{screen}/edit/?id={row.id}",
                f"/admin/{screen}/export/csv/", f"/admin/{screen}/ajax/lookup/?name=organization&query=a"):
        assert client.get(url).status_code == 403, url


def test_committee_cannot_move_a_branch_out_of_its_subtree(as_role, dbq, tree, make):
    """Is an edit that would put an organization under another committee refused, and nothing moved?"""
    client = as_role("committee")
    branch = make.org(tree["G1"], "branch", "Chi bộ sẽ không chuyển")
    token = csrf_token(client, f"/admin/organization/edit/?id={branch.id}")
    r = client.post(f"/admin/organization/edit/?id={branch.id}", data={
        "csrf_token": token, "code": branch.code, "name": branch.name, "kind": "branch", "parent": str(tree["G2"].id),
    })
    assert r.status_code == 200
    assert "Lựa chọn không hợp lệ" in r.get_data(as_text=True)
    assert dbq(lambda s: s.get(Organization, branch.id).parent_id) == tree["G1"].id
    assert dbq(lambda s: s.get(Organization, branch.id).path) == branch.path


def test_secretary_cannot_create_a_member_in_another_branch(as_role, dbq, tree):
    """Is a secretary's create with a forged branch id outside their scope refused?"""
    client = as_role("secretary")
    token = csrf_token(client, "/admin/member/new/")
    r = client.post("/admin/member/new/", data={
        "csrf_token": token, "full_name": "Người Ngoài Phạm Vi", "card_number": "77700001",
        "organization": str(tree["B3"].id), "status": "official", "position": "member", "gender": "male",
    })
    assert r.status_code == 200
    assert "Lựa chọn không hợp lệ" in r.get_data(as_text=True)
    assert dbq(lambda s: s.execute(select(Member).where(Member.card_number == "77700001")).first()) is None


def test_committee_cannot_grant_admin(as_role, dbq, tree):
    """Can a committee account create an admin account? (It must not.)"""
    client = as_role("committee")
    token = csrf_token(client, "/admin/user/new/")
    r = client.post("/admin/user/new/", data={
        "csrf_token": token, "login": "nguoila@test.vn", "role": "admin", "organization": str(tree["C1"].id),
        "active": "y", "new_password": "matkhau-dai-123",
    })
    assert "Bạn không thể cấp vai trò cao hơn vai trò của mình." in r.get_data(as_text=True)
    assert dbq(lambda s: s.execute(select(User).where(User.login == "nguoila@test.vn")).first()) is None


def test_committee_edits_and_deletes_inside_its_subtree(as_role, dbq, tree, make):
    """Can a committee edit and delete a member inside its subtree (the positive side of the matrix)?"""
    client = as_role("committee")
    member = make.member(tree["B2"], "Vũ Văn Sửa")
    token = csrf_token(client, f"/admin/member/edit/?id={member.id}")
    r = client.post(f"/admin/member/edit/?id={member.id}", data={
        "csrf_token": token, "full_name": "Vũ Văn Đã Sửa", "card_number": member.card_number,
        "organization": str(tree["B2"].id), "status": "official", "position": "member", "gender": "male",
    })
    body = r.get_data(as_text=True)
    assert r.status_code == 302, re.findall(r"(?s)(alert[^>]*>.{0,300}|invalid-feedback[^>]*>.{0,200})", body)
    assert dbq(lambda s: s.get(Member, member.id).full_name) == "Vũ Văn Đã Sửa"
    r = client.post("/admin/member/delete/", data={"id": member.id, "csrf_token": token})
    assert r.status_code == 302
    assert dbq(lambda s: s.get(Member, member.id)) is None


def test_bulk_delete_removes_rows_inside_scope_only(as_role, dbq, tree, make):
    """Given in-scope and out-of-scope ids together, does bulk delete remove exactly the in-scope ones?"""
    client = as_role("committee")
    mine = [make.member(tree["B2"]) for _ in range(2)]
    theirs = make.member(tree["B3"])
    token = csrf_token(client, "/admin/member/")
    ids = [str(m.id) for m in mine] + [str(theirs.id), "abc", "99999999999999999999999"]
    r = client.post("/admin/member/action/", data={"action": "delete", "csrf_token": token, "rowid": ids})
    assert r.status_code == 302
    assert [_still_there(dbq, Member, m) for m in mine] == [False, False]
    assert _still_there(dbq, Member, theirs)
