"""Breach response: who opened or exported member X; which members account Y saw or exported."""
from handbook.audit.queries import members_seen_by, who_saw_member
from support import AuthActions


def test_who_saw_and_seen_by_answer_from_the_audit(app, make, tree, dbq):
    """After one account opens a member and another exports the branch, do both questions name the right people?"""
    target = make.member(tree["B2"], "Bị Lộ Dữ Liệu")
    viewer = make.user("committee", tree["G1"])
    exporter = make.user("committee", tree["C1"])
    bystander = make.user("committee", tree["C2"])
    v = app.test_client()
    AuthActions(v).login(viewer)
    assert v.get(f"/admin/member/details/?id={target.id}").status_code == 200
    e = app.test_client()
    AuthActions(e).login(exporter)
    download = e.get("/admin/member/export/csv/")  # read through, as a browser saves it
    assert download.status_code == 200 and "Bị Lộ Dữ Liệu" in download.get_data(as_text=True)
    b = app.test_client()
    AuthActions(b).login(bystander)
    download = b.get("/admin/member/export/csv/")
    assert download.status_code == 200 and "Bị Lộ Dữ Liệu" not in download.get_data(as_text=True)  # C2 cannot see B2

    # SQLite may give a new member the id of one deleted by an earlier test: look at this test's accounts.
    ours = {viewer.login, exporter.login, bystander.login}
    saw = dbq(lambda s: [(x.login, x.action) for x in who_saw_member(s, target.id) if x.login in ours])
    assert sorted(saw) == sorted([(viewer.login, "view"), (exporter.login, "export")])
    seen = dbq(lambda s: {r.member_id for r in members_seen_by(s, exporter.id)})
    assert target.id in seen and tree["B1.m1"].id in seen and tree["B3.m1"].id not in seen
    assert dbq(lambda s: {r.member_id for r in members_seen_by(s, viewer.id)}) == {target.id}


def test_breach_page_is_for_admins(app, client, auth, make, tree):
    """Does the admin's breach page answer both questions, and is it refused to a committee?"""
    target = make.member(tree["B1"], "Tra Cứu Thử")
    s = app.test_client()
    AuthActions(s).login(tree["secretary"])
    s.get(f"/admin/member/details/?id={target.id}")
    auth.login(tree["admin"])
    page = client.get(f"/admin/breach/?member={target.card_number}").get_data(as_text=True)
    assert tree["secretary"].login in page and "Mở hồ sơ" in page
    page = client.get(f"/admin/breach/?user={tree['secretary'].login}").get_data(as_text=True)
    assert "Tra Cứu Thử" in page
    c = app.test_client()
    AuthActions(c).login(tree["committee"])
    assert c.get("/admin/breach/").status_code == 403


def test_breach_cli(app, make, tree):
    """Do `flask audit who-saw` and `flask audit seen-by` print the answers?"""
    target = make.member(tree["B1"], "Dòng Lệnh Thử")
    s = app.test_client()
    AuthActions(s).login(tree["secretary"])
    s.get(f"/admin/member/details/?id={target.id}")
    runner = app.test_cli_runner()
    out = runner.invoke(args=["audit", "who-saw", "--member", target.card_number]).output
    assert tree["secretary"].login in out and "view" in out
    out = runner.invoke(args=["audit", "seen-by", "--user", tree["secretary"].login]).output
    assert target.card_number in out and "Dòng Lệnh Thử" in out
