"""Accounts: nobody raises their own rights, and staff grant only lower roles inside their subtree.

The attack seen: a secretary opened /admin/user/edit/?id=<own id>, picked ``admin`` and saved.
Every test goes through the real pages with CSRF and then reads what the database holds.
"""
import re

import pytest
from sqlalchemy import select

from audit_support import entries_since, last_id
from handbook.auth.models import User
from handbook.auth.operations import (
    MEMBER_OUTSIDE,
    NOT_MANAGED,
    ORG_OUTSIDE,
    OWN_ACCOUNT,
    OWN_DELETE,
    ROLE_EQUAL,
    ROLE_TOO_HIGH,
    RightsError,
    check_account_change,
)
from handbook.scope import Scope
from support import AuthActions, csrf_token


def _staff(make, tree, role):
    """A fresh account of ``role`` (a secretary with their own member record), so no test changes the shared tree's accounts."""
    if role == "secretary":
        return make.user("secretary", tree["B1"], make.member(tree["B1"], "Lê Văn Bí Thư"))
    return make.user("committee", tree["C1"])


def _stored(dbq, user_id):
    """What the database holds for an account: role, organization, member, active, password hash."""
    u = dbq(lambda s: s.get(User, user_id))
    return (u.role, u.organization_id, u.member_id, u.active, u.password_hash) if u else None


def _offered_roles(html: str) -> set[str]:
    """The values of the role dropdown of a form page."""
    select_html = re.search(r'<select[^>]*id="role"[^>]*>(.*?)</select>', html, re.S).group(1)
    return set(re.findall(r'value="([^"]+)"', select_html))


def _form(user, **values):
    """The edit form of ``user`` as the page would post it, with ``values`` changed."""
    data = {"login": user.login, "role": user.role, "organization": str(user.organization_id or ""),
            "member": str(user.member_id or ""), "active": "y"}
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


def _create_account(client, **fields):
    """Post the new-account form with ``fields`` (active, with a valid password, CSRF token included)."""
    token = csrf_token(client, "/admin/user/new/")
    return client.post("/admin/user/new/", data={"csrf_token": token, "active": "y", "new_password": "matkhau-dai-123", **fields})


def _refused(r, message, dbq, since, actor, entity_id):
    """A 403 page saying ``message``, and one 'refused_rights' entry naming the actor's real role."""
    assert r.status_code == 403, r.status_code
    assert message in r.get_data(as_text=True)
    [entry] = entries_since(dbq, since, "refused_rights")
    assert (entry.user_id, entry.role, entry.entity, entry.entity_id) == (actor.id, actor.role, "user_account", entity_id)
    assert entry.detail["reason"] == message


@pytest.mark.parametrize("role", ["secretary", "committee"])
def test_staff_cannot_make_themselves_admin(client, auth, make, tree, dbq, role):
    """Can a secretary or a committee user make themselves admin of the province from their own account page? (No.)"""
    me = _staff(make, tree, role)
    before = _stored(dbq, me.id)
    auth.login(me)
    url = f"/admin/user/edit/?id={me.id}"
    page = client.get(url).get_data(as_text=True)
    assert _offered_roles(page) == {role}
    token = csrf_token(client, url)
    attempts = [
        _form(me, role="admin", organization=str(tree["P"].id), active=None),  # the attack as seen, all at once
        _form(me, role="admin"),
        _form(me, organization=str(tree["P"].id)),
        _form(me, active=None),
    ]
    for data in attempts:
        since = last_id(dbq)
        r = client.post(url, data={"csrf_token": token, **data})
        _refused(r, OWN_ACCOUNT, dbq, since, me, me.id)
        assert _stored(dbq, me.id) == before
    # Still only what it was: the province's other committee is out of reach.
    assert client.get(f"/admin/user/details/?id={tree['committee2'].id}").status_code == 404


@pytest.mark.parametrize("role", ["secretary", "committee"])
def test_staff_still_change_their_own_password(app, client, auth, make, tree, dbq, role):
    """May staff still set a new password on their own account page (role, organization and flag untouched)?"""
    me = _staff(make, tree, role)
    auth.login(me)
    url = f"/admin/user/edit/?id={me.id}"
    token = csrf_token(client, url)
    r = client.post(url, data={"csrf_token": token, **_form(me, new_password="mat-khau-moi-123")})
    assert r.status_code == 302
    assert _stored(dbq, me.id)[:4] == (role, me.organization_id, me.member_id, True)
    assert AuthActions(app.test_client()).login(me, "mat-khau-moi-123").status_code == 302


@pytest.mark.parametrize("role,offered", [
    ("secretary", {"member"}), ("committee", {"secretary", "member"}),
    ("admin", {"admin", "committee", "secretary", "member"}),
])
def test_new_account_form_offers_only_lower_roles(client, auth, tree, role, offered):
    """Does the new-account form offer only the roles the user may grant (the admin, at the top, any)?"""
    auth.login(tree[role])
    assert _offered_roles(client.get("/admin/user/new/").get_data(as_text=True)) == offered


@pytest.mark.parametrize("new_role,message", [("committee", ROLE_EQUAL), ("admin", ROLE_TOO_HIGH)])
def test_committee_cannot_raise_an_account_to_its_rank_or_above(client, auth, make, tree, dbq, new_role, message):
    """Can a committee user turn a secretary of its subtree into a committee user or an admin? (No.)"""
    target = make.user("secretary", tree["B2"])
    before = _stored(dbq, target.id)
    auth.login(tree["committee"])
    url = f"/admin/user/edit/?id={target.id}"
    assert _offered_roles(client.get(url).get_data(as_text=True)) == {"secretary", "member"}
    token = csrf_token(client, url)
    since = last_id(dbq)
    r = client.post(url, data={"csrf_token": token, **_form(target, role=new_role)})
    _refused(r, message, dbq, since, tree["committee"], target.id)
    assert _stored(dbq, target.id) == before


def test_committee_cannot_reset_a_peer_committee_password(app, client, auth, make, tree, dbq):
    """Can a committee user take over another committee account of its own subtree by resetting its password? (No.)"""
    peer = make.user("committee", tree["C1"])
    before = _stored(dbq, peer.id)
    auth.login(tree["committee"])
    url = f"/admin/user/edit/?id={peer.id}"
    # The page shows the account as it is; nothing higher or equal is on offer for it.
    assert _offered_roles(client.get(url).get_data(as_text=True)) == {"committee"}
    token = csrf_token(client, url)
    since = last_id(dbq)
    r = client.post(url, data={"csrf_token": token, **_form(peer, new_password="chiem-quyen-123")})
    _refused(r, NOT_MANAGED, dbq, since, tree["committee"], peer.id)
    assert _stored(dbq, peer.id) == before
    assert AuthActions(app.test_client()).login(peer, "chiem-quyen-123").status_code != 302


def test_committee_cannot_create_an_account_outside_its_subtree(client, auth, tree, dbq):
    """Can a committee user create a secretary in another committee's subtree, or link a member from there? (No.)"""
    auth.login(tree["committee"])
    attempts = [
        ({"login": "ngoai-cay@test.vn", "role": "secretary", "organization": str(tree["B3"].id)}, ORG_OUTSIDE),
        ({"login": "ngoai-cay-2@test.vn", "role": "member", "member": str(tree["B3.m1"].id)}, MEMBER_OUTSIDE),
    ]
    for data, message in attempts:
        since = last_id(dbq)
        r = _create_account(client, **data)
        _refused(r, message, dbq, since, tree["committee"], None)
        assert dbq(lambda s: s.execute(select(User).where(User.login == data["login"])).first()) is None


def test_secretary_cannot_create_a_secretary(client, auth, tree, dbq):
    """Can a secretary create another secretary account in their branch? (No: only member accounts.)"""
    auth.login(tree["secretary"])
    since = last_id(dbq)
    r = _create_account(client, login="bithu-moi@test.vn", role="secretary", organization=str(tree["B1"].id))
    _refused(r, ROLE_EQUAL, dbq, since, tree["secretary"], None)
    assert dbq(lambda s: s.execute(select(User).where(User.login == "bithu-moi@test.vn")).first()) is None


def test_staff_grant_lower_roles_inside_their_subtree(client, auth, make, tree, dbq):
    """Can a committee user create a secretary and a secretary a member account in their subtree (the positive side)?"""
    auth.login(tree["committee"])
    r = _create_account(client, login="bithu-g1@test.vn", role="secretary", organization=str(tree["B2"].id))
    assert r.status_code == 302
    assert dbq(lambda s: s.execute(select(User.role).where(User.login == "bithu-g1@test.vn")).scalar()) == "secretary"
    auth.logout()
    member = make.member(tree["B1"], "Phạm Thị Tài Khoản")
    auth.login(tree["secretary"])
    r = _create_account(client, login="dangvien-b1@test.vn", role="member", member=str(member.id))
    assert r.status_code == 302
    saved = dbq(lambda s: s.execute(select(User).where(User.login == "dangvien-b1@test.vn")).scalar_one())
    assert (saved.role, saved.organization_id) == ("member", tree["B1"].id)


def test_admin_may_grant_admin(client, auth, tree, dbq):
    """May the admin, at the top, create another admin account?"""
    auth.login(tree["admin"])
    r = _create_account(client, login="quantri-2@test.vn", role="admin", organization=str(tree["P"].id))
    assert r.status_code == 302
    assert dbq(lambda s: s.execute(select(User.role).where(User.login == "quantri-2@test.vn")).scalar()) == "admin"


def test_bulk_delete_spares_accounts_of_equal_rank(client, auth, make, tree, dbq):
    """Given a peer committee account and a secretary of its subtree, does a committee's bulk delete remove only the secretary?"""
    peer = make.user("committee", tree["C1"])
    secretary = make.user("secretary", tree["B2"])
    auth.login(tree["committee"])
    token = csrf_token(client, "/admin/user/")
    since = last_id(dbq)
    r = client.post("/admin/user/action/", data={"action": "delete", "csrf_token": token,
                                                 "rowid": [str(peer.id), str(secretary.id)]})
    assert r.status_code == 302
    assert _stored(dbq, peer.id) is not None and _stored(dbq, secretary.id) is None
    [refusal] = entries_since(dbq, since, "refused_rights")
    assert (refusal.entity_id, refusal.role, refusal.detail["reason"]) == (peer.id, "committee", NOT_MANAGED)
    assert [e.entity_id for e in entries_since(dbq, since, "delete")] == [secretary.id]


def test_nobody_deletes_their_own_account(client, auth, make, tree, dbq):
    """Is a secretary's delete of their own account refused, audited and the account kept?"""
    me = _staff(make, tree, "secretary")
    auth.login(me)
    token = csrf_token(client, "/admin/user/")
    since = last_id(dbq)
    r = client.post("/admin/user/delete/", data={"id": me.id, "csrf_token": token}, follow_redirects=True)
    assert OWN_DELETE in r.get_data(as_text=True)
    assert _stored(dbq, me.id) is not None
    assert [e.entity_id for e in entries_since(dbq, since, "refused_rights")] == [me.id]


def test_rights_check_reads_the_stored_account_not_the_form(app, tree):
    """Does the rule refuse by the stored role and the actor's scope, whatever the values say (a member outside, a peer)?"""
    from handbook.extensions import db
    from handbook.organizations.models import Member, Organization

    with app.app_context():
        committee = db.session.get(User, tree["committee"].id)
        actor = Scope.for_user(committee)
        outside = db.session.get(Member, tree["B3.m1"].id)
        with pytest.raises(RightsError, match=MEMBER_OUTSIDE):
            check_account_change(actor, None, "member", None, outside, True)
        with pytest.raises(RightsError, match=ORG_OUTSIDE):
            check_account_change(actor, None, "secretary", db.session.get(Organization, tree["B3"].id), None, True)
        with pytest.raises(RightsError, match=NOT_MANAGED):
            check_account_change(actor, db.session.get(User, tree["committee2"].id), "member", None, None, True)
        with pytest.raises(RightsError, match=OWN_ACCOUNT):
            check_account_change(actor, committee, "admin", committee.organization, None, True)
        assert committee.role == "committee"

