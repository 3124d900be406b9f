"""The organization tree: paths, moves with their record, the dashboard counts."""
from sqlalchemy import select

from handbook.organizations.models import Organization, OrganizationMove
from handbook.organizations.operations import TreeError, move_organization
from support import csrf_token


def test_moving_an_organization_moves_its_subtree_and_is_recorded(app, make, tree, dbq):
    """After a grassroots organization moves to another committee, do its branches follow, and is the move recorded?"""
    from handbook.extensions import db

    old = make.org(tree["C1"], "committee", "Đảng bộ huyện cũ")
    grassroots = make.org(old, "grassroots", "Đảng bộ xã sáp nhập")
    branch = make.org(grassroots, "branch", "Chi bộ thôn sáp nhập")
    with app.app_context():
        g = db.session.get(Organization, grassroots.id)
        move_organization(db.session, g, db.session.get(Organization, tree["C2"].id))
        db.session.commit()
    moved_branch = dbq(lambda s: s.get(Organization, branch.id))
    assert moved_branch.path.startswith(tree["C2"].path)
    assert moved_branch.depth == tree["C2"].depth + 2
    record = dbq(lambda s: s.execute(select(OrganizationMove).where(OrganizationMove.organization_id == grassroots.id)).scalar_one())
    assert (record.from_parent_id, record.to_parent_id) == (old.id, tree["C2"].id)
    assert record.from_path == grassroots.path and record.to_path.startswith(tree["C2"].path)


def test_an_organization_cannot_move_under_itself(app, make, tree):
    """Is a move that would make a cycle refused?"""
    from handbook.extensions import db

    top = make.org(tree["C1"], "grassroots")
    below = make.org(top, "branch")
    with app.app_context():
        try:
            move_organization(db.session, db.session.get(Organization, top.id), db.session.get(Organization, below.id))
            raised = False
        except TreeError:
            raised = True
        db.session.rollback()
    assert raised


def test_admin_moves_an_organization_in_the_back_office(client, auth, make, tree, dbq):
    """Does an admin's change of parent in the back office move the subtree and record who moved it?"""
    grassroots = make.org(tree["C1"], "grassroots", "Đảng bộ xã chuyển")
    branch = make.org(grassroots, "branch", "Chi bộ thôn chuyển")
    auth.login(tree["admin"])
    token = csrf_token(client, f"/admin/organization/edit/?id={grassroots.id}")
    r = client.post(f"/admin/organization/edit/?id={grassroots.id}", data={
        "csrf_token": token, "code": grassroots.code, "name": grassroots.name, "kind": "grassroots",
        "parent": str(tree["C2"].id),
    })
    assert r.status_code == 302
    assert dbq(lambda s: s.get(Organization, branch.id).path).startswith(tree["C2"].path)
    record = dbq(lambda s: s.execute(select(OrganizationMove).where(OrganizationMove.organization_id == grassroots.id)).scalar_one())
    assert record.moved_by_id == tree["admin"].id and record.from_parent_id == tree["C1"].id


def test_committee_creates_a_branch_inside_its_subtree(client, auth, tree, dbq):
    """Can committee staff create a branch under their grassroots organization, with the right path?"""
    auth.login(tree["committee"])
    token = csrf_token(client, "/admin/organization/new/")
    r = client.post("/admin/organization/new/", data={
        "csrf_token": token, "code": "cb-moi-01", "name": "Chi bộ thôn Mới", "kind": "branch", "parent": str(tree["G1"].id),
    })
    assert r.status_code == 302
    org = dbq(lambda s: s.execute(select(Organization).where(Organization.code == "CB-MOI-01")).scalar_one())
    assert org.path == f"{tree['G1'].path}{org.id:08d}/" and org.depth == tree["G1"].depth + 1


def test_organization_with_members_cannot_be_deleted(client, auth, tree, dbq):
    """Is deleting a branch that still has members refused with a message, and the branch kept?"""
    auth.login(tree["committee"])
    token = csrf_token(client, "/admin/organization/")
    r = client.post("/admin/organization/delete/", data={"id": tree["B2"].id, "csrf_token": token}, follow_redirects=True)
    assert "Không thể xóa tổ chức còn tổ chức trực thuộc hoặc đảng viên." in r.get_data(as_text=True)
    assert dbq(lambda s: s.get(Organization, tree["B2"].id)) is not None


def test_bad_ids_and_huge_input_are_4xx_not_500(client, auth, tree):
    """Do a non-numeric id, a huge search and a nonsense page number give a clear answer, never a 500?"""
    auth.login(tree["committee"])
    assert client.get("/admin/member/details/?id=abc").status_code == 404
    assert client.get("/admin/member/edit/?id=99999999999999999999").status_code == 404
    assert client.get("/admin/member/", query_string={"search": "x" * 100_000}).status_code == 200
    assert client.get("/admin/member/?page=-5").status_code == 200
    assert client.get("/admin/member/ajax/lookup/?name=organization&query=" + "%" * 5000).status_code == 200
    r = client.get("/no/such/page")
    assert r.status_code == 404 and "Không tìm thấy" in r.get_data(as_text=True)
