"""The points ledger: once per (member, source, reference), daily caps, totals, and races."""
import json
import threading
import urllib.parse
import urllib.request
from datetime import datetime

from sqlalchemy import func, select

from content_support import make_document
from handbook.content.models import ReadMark
from handbook.extensions import db
from handbook.study.models import PointEntry, PointRule
from handbook.study.operations import award_points, daily_cap, member_total
from support import csrf_token


def test_award_once_per_reference(app, make, tree):
    """Does the same (member, source, reference) earn once, while another reference earns again?"""
    member = make.member(tree["B3"])
    with app.app_context():
        assert award_points(db.session, member.id, "read", "document:1", 3) == 3
        assert award_points(db.session, member.id, "read", "document:1", 3) == 0
        assert award_points(db.session, member.id, "read", "document:2", 2) == 2
        assert award_points(db.session, member.id, "quiz", "document:1", 4) == 4
        assert award_points(db.session, member.id, "read", "document:3", 0) == 0
        db.session.commit()
        assert member_total(db.session, member.id) == 9


def test_daily_cap_trims_then_stops(app, make, tree):
    """With a cap of 5 read points a day, are awards trimmed then refused, and free again the next day?"""
    member = make.member(tree["B3"])
    day = datetime(2026, 3, 2, 3, 0)  # 10:00 in Vietnam
    with app.app_context():
        db.session.add(PointRule(source="read", daily_cap=5, note="thử"))
        db.session.commit()
        try:
            assert daily_cap(db.session, "read") == 5
            assert award_points(db.session, member.id, "read", "a:1", 3, now=day) == 3
            assert award_points(db.session, member.id, "read", "a:2", 3, now=day) == 2
            assert award_points(db.session, member.id, "read", "a:3", 3, now=day) == 0
            # 00:30 the next day in Vietnam is still 17:30 UTC of the same date.
            assert award_points(db.session, member.id, "read", "a:4", 3, now=datetime(2026, 3, 2, 17, 30)) == 3
            db.session.commit()
            assert member_total(db.session, member.id) == 8
        finally:
            db.session.execute(PointRule.__table__.delete())
            db.session.commit()
    with app.app_context():
        assert daily_cap(db.session, "read") == 30  # the default again


def test_simultaneous_awards_never_pass_the_daily_cap(app, make, tree):
    """Eight quiz awards of 10 points for different quizzes at the same instant, under the cap of 50:
    is the member's day exactly 50, never 60?"""
    member = make.member(tree["B3"])
    start = threading.Barrier(8)
    awarded, errors = [], []

    def award(n):
        try:
            with app.app_context():
                start.wait(timeout=10)
                awarded.append(award_points(db.session, member.id, "quiz", f"quiz:{n}", 10))
                db.session.commit()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=award, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    with app.app_context():
        assert member_total(db.session, member.id) == 50
    assert sorted(awarded) == [0, 0, 0, 10, 10, 10, 10, 10]


def test_a_member_sees_only_their_points(app, make, tree):
    """Does the ledger's scope give a member their own entries, and committee staff only their subtree's?"""
    from handbook.scope import Scope, scoped_select

    inside, outside = make.member(tree["B1"]), make.member(tree["B3"])
    with app.app_context():
        award_points(db.session, inside.id, "manual", "khen thưởng", 5)
        award_points(db.session, outside.id, "manual", "khen thưởng", 5)
        db.session.commit()
        as_member = Scope(role="member", member_id=inside.id)
        as_committee = Scope(role="committee", org_path=db.session.get(type(tree["C1"]), tree["C1"].id).path)
        mine = {e.member_id for e in db.session.execute(scoped_select(PointEntry, as_member)).scalars()}
        theirs = {e.member_id for e in db.session.execute(scoped_select(PointEntry, as_committee)).scalars()}
    assert mine == {inside.id}
    assert inside.id in theirs and outside.id not in theirs


def test_ten_concurrent_read_clicks_award_once(app, client, auth, make, tree, live_server):
    """Do ten simultaneous "Đã đọc" POSTs make one read mark and one ledger row?"""
    member = make.member(tree["B1"], "Lê Văn Đồng Thời")
    user = make.user("member", tree["B1"], member)
    doc = make_document(app, tree["P"], "Đọc đồng thời", points=4)
    auth.login(user)
    token = csrf_token(client, f"/documents/{doc.id}")
    cookie = f"session={client.get_cookie('session').value}"
    body = urllib.parse.urlencode({"csrf_token": token}).encode()
    start = threading.Barrier(10)
    results, errors = [], []

    def click():
        request = urllib.request.Request(
            f"{live_server}/documents/{doc.id}/read", data=body, method="POST",
            headers={"Cookie": cookie, "Accept": "application/json",
                     "Content-Type": "application/x-www-form-urlencoded"},
        )
        start.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                results.append(json.loads(response.read()))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=click) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r["awarded"] for r in results) == [0] * 9 + [4]
    with app.app_context():
        entries = db.session.execute(select(func.count()).select_from(PointEntry).where(PointEntry.member_id == member.id)).scalar()
        marks = db.session.execute(select(func.count()).select_from(ReadMark).where(ReadMark.member_id == member.id)).scalar()
        assert (entries, marks) == (1, 1)
        assert member_total(db.session, member.id) == 4
