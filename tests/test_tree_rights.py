"""The organization tree: no one detaches or re-roots a subtree, kinds nest, every move is audited.

The attack seen: a committee user cleared the parent of its own root organization and the whole
district left the province tree. Every test goes through the real pages with CSRF, then compares
the whole tree as stored before and after.
"""
import pytest
from sqlalchemy import select

from audit_support import entries_since, last_id
from handbook.organizations.models import Organization, OrganizationMove
from handbook.organizations.operations import TreeError, TreeForbidden, check_move
from handbook.scope import Scope
from support import csrf_token

OWN_ROOT = "Chỉ quản trị viên mới chuyển được tổ chức gốc trong phạm vi của bạn."
SCOPE_ROOT = "Tổ chức này là phạm vi quản lý của một tài khoản: chỉ quản trị viên mới chuyển được."


@pytest.fixture
def district(make, tree):
    """A fresh committee D under the province: grassroots D.g1, D.g2; branches D.b1, D.b2 under D.g1;
    a committee account on D and a secretary account on D.b1."""
    d = {"D": make.org(tree["P"], "committee", "Đảng bộ huyện Thử Cây")}
    d["g1"] = make.org(d["D"], "grassroots", "Đảng bộ xã Cây Một")
    d["g2"] = make.org(d["D"], "grassroots", "Đảng bộ xã Cây Hai")
    d["b1"] = make.org(d["g1"], "branch", "Chi bộ thôn Cây Một")
    d["b2"] = make.org(d["g1"], "branch", "Chi bộ thôn Cây Hai")
    d["committee"] = make.user("committee", d["D"])
    d["secretary"] = make.user("secretary", d["b1"], make.member(d["b1"], "Hoàng Văn Bí Thư Cây"))
    return d


def _tree(dbq):
    """Every organization as stored: id → (parent, path, depth, kind)."""
    rows = dbq(lambda s: s.execute(select(Organization.id, Organization.parent_id, Organization.path,
                                          Organization.depth, Organization.kind)).all())
    return {row[0]: tuple(row[1:]) for row in rows}


def _edit(client, org, **values):
    """Post the edit form of ``org`` with ``values`` changed (parent given as an id, or '' to clear it)."""
    url = f"/admin/organization/edit/?id={org.id}"
    data = {"csrf_token": csrf_token(client, "/admin/organization/"), "code": org.code, "name": org.name,
            "kind": org.kind, "parent": str(org.parent_id or "")}
    data.update({k: str(v) for k, v in values.items()})
    return client.post(url, data=data)


@pytest.mark.parametrize("role", ["committee", "secretary"])
def test_staff_cannot_detach_their_own_root(client, auth, district, dbq, role):
    """Can a committee user or a secretary clear the parent of their own root and take the subtree out of the tree? (No.)"""
    me = district[role]
    root = district["D"] if role == "committee" else district["b1"]
    before = _tree(dbq)
    auth.login(me)
    since = last_id(dbq)
    for cleared in ("", "__None"):
        r = _edit(client, root, parent=cleared)
        assert _tree(dbq) == before
        if role == "secretary":
            # Secretaries do not edit the tree at all: Flask-Admin sends them back to the list.
            assert r.status_code == 302 and "/edit/" not in r.location
            continue
        assert r.status_code == 403 and OWN_ROOT in r.get_data(as_text=True)
    if role == "committee":
        refusals = entries_since(dbq, since, "refused_rights")
        assert [(e.entity, e.entity_id, e.role) for e in refusals] == [("organization", root.id, "committee")] * 2


def test_committee_cannot_move_its_root_under_another_committee(app, client, auth, district, tree, dbq):
    """Can a committee user hang its own district under another committee? (No: the page and the rule refuse.)"""
    before = _tree(dbq)
    auth.login(district["committee"])
    r = _edit(client, district["D"], parent=tree["C2"].id)
    assert r.status_code == 200 and "Lựa chọn không hợp lệ" in r.get_data(as_text=True)
    assert _tree(dbq) == before
    with app.app_context():
        from handbook.auth.models import User
        from handbook.extensions import db

        scope = Scope.for_user(db.session.get(User, district["committee"].id))
        with pytest.raises(TreeForbidden, match=OWN_ROOT):
            check_move(db.session, db.session.get(Organization, district["D"].id), db.session.get(Organization, tree["C2"].id), scope)


def test_committee_cannot_move_a_grassroots_out_of_its_subtree(app, client, auth, district, tree, dbq):
    """Can a committee user move one of its grassroots organizations to another committee, even with a forged parent id? (No.)"""
    before = _tree(dbq)
    auth.login(district["committee"])
    for parent in (tree["C2"].id, tree["P"].id, 9_999_999, "abc"):
        r = _edit(client, district["g2"], parent=parent)
        assert r.status_code == 200 and "Lựa chọn không hợp lệ" in r.get_data(as_text=True), parent
        assert _tree(dbq) == before
    with app.app_context():
        from handbook.auth.models import User
        from handbook.extensions import db

        scope = Scope.for_user(db.session.get(User, district["committee"].id))
        with pytest.raises(TreeForbidden):
            check_move(db.session, db.session.get(Organization, district["g2"].id), db.session.get(Organization, tree["C2"].id), scope)


def test_only_the_admin_moves_the_root_of_someones_scope(client, auth, district, tree, dbq):
    """May a committee user move a secretary's branch inside its district? (No, only the admin; other branches yes.)"""
    before = _tree(dbq)
    auth.login(district["committee"])
    since = last_id(dbq)
    r = _edit(client, district["b1"], parent=district["g2"].id)
    assert r.status_code == 403 and SCOPE_ROOT in r.get_data(as_text=True)
    assert _tree(dbq) == before
    [refusal] = entries_since(dbq, since, "refused_rights")
    assert (refusal.entity_id, refusal.role) == (district["b1"].id, "committee")
    # A branch that is nobody's scope moves within the district.
    r = _edit(client, district["b2"], parent=district["g2"].id)
    assert r.status_code == 302
    assert _tree(dbq)[district["b2"].id][0] == district["g2"].id
    auth.logout()
    auth.login(tree["admin"])
    r = _edit(client, district["b1"], parent=district["g2"].id)
    assert r.status_code == 302
    assert _tree(dbq)[district["b1"].id][:2] == (district["g2"].id, f"{district['g2'].path}{district['b1'].id:08d}/")


def test_kinds_nest(client, auth, district, dbq):
    """Is a branch under a branch, a new branch under a branch, or a kind that no longer fits refused with a clear message?"""
    before = _tree(dbq)
    auth.login(district["committee"])
    attempts = [
        (district["b2"], {"parent": district["b1"].id}),   # a branch under a branch
        (district["g1"], {"kind": "branch"}),               # a grassroots with branches turned into a branch
        (district["b2"], {"kind": "grassroots"}),           # a grassroots under a grassroots
        (district["g2"], {"kind": "province"}),             # a province under a committee
    ]
    for org, values in attempts:
        r = _edit(client, org, **values)
        assert r.status_code == 200, values
        assert "cấp dưới phải thấp hơn cấp trên" in r.get_data(as_text=True) or "trực thuộc trước" in r.get_data(as_text=True)
        assert _tree(dbq) == before
    token = csrf_token(client, "/admin/organization/new/")
    r = client.post("/admin/organization/new/", data={
        "csrf_token": token, "code": "cb-duoi-cb", "name": "Chi bộ dưới chi bộ", "kind": "branch", "parent": str(district["b1"].id),
    })
    assert r.status_code == 200 and "cấp dưới phải thấp hơn cấp trên" in r.get_data(as_text=True)
    assert dbq(lambda s: s.execute(select(Organization).where(Organization.code == "CB-DUOI-CB")).first()) is None


def test_admin_move_is_audited_from_and_to(client, auth, district, tree, dbq):
    """When the admin moves a grassroots organization to another committee, does the audit entry say from where to where?"""
    g1 = district["g1"]
    auth.login(tree["admin"])
    since = last_id(dbq)
    r = _edit(client, g1, parent=tree["C2"].id)
    assert r.status_code == 302
    new_path = f"{tree['C2'].path}{g1.id:08d}/"
    assert _tree(dbq)[district["b1"].id][1] == f"{new_path}{district['b1'].id:08d}/"
    [entry] = entries_since(dbq, since, "update")
    assert entry.entity_id == g1.id
    assert entry.changes["parent"] == [str(district["D"].name) + f" ({district['D'].code})", f"{tree['C2'].name} ({tree['C2'].code})"]
    assert entry.changes["path"] == [g1.path, new_path]
    move = dbq(lambda s: s.execute(select(OrganizationMove).where(OrganizationMove.organization_id == g1.id)).scalar_one())
    assert (move.from_parent_id, move.to_parent_id, move.moved_by_id) == (district["D"].id, tree["C2"].id, tree["admin"].id)


def test_there_is_one_root(client, auth, district, tree, dbq):
    """Is a second organization without a parent refused, for the admin (one root) and for a committee (403)?"""
    for who, status in (("admin", 200), ("committee", 403)):
        auth.login(tree[who])
        token = csrf_token(client, "/admin/organization/new/")
        code = f"GOC-{who}".upper()
        r = client.post("/admin/organization/new/", data={
            "csrf_token": token, "code": code, "name": "Đảng bộ gốc thứ hai", "kind": "province", "parent": "",
        })
        assert r.status_code == status and "tổ chức cấp trên" in r.get_data(as_text=True)
        assert dbq(lambda s: s.execute(select(Organization).where(Organization.code == code)).first()) is None
        auth.logout()


def test_cli_move_keeps_the_tree_rules(app, district, dbq):
    """Does `flask orgs move` refuse a branch under a branch, as the back office does?"""
    before = _tree(dbq)
    result = app.test_cli_runner().invoke(args=["orgs", "move", district["b2"].code, district["b1"].code])
    assert result.exit_code != 0 and "cấp dưới phải thấp hơn cấp trên" in result.output
    assert _tree(dbq) == before
    assert issubclass(TreeForbidden, TreeError)
