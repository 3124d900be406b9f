"""Issue 13: the yearly rating — thresholds at their boundaries, evidence a domain registers, the three
steps recorded, the quota, and who may take which step (through the operations and the real pages)."""
import itertools
from decimal import Decimal

import pytest
from sqlalchemy import select

from handbook.extensions import db
from handbook.organizations.models import Discipline
from handbook.ratings.evidence import refresh_evidence, rule_set_of
from handbook.ratings.models import MemberRating, OrganizationRating, RatingCondition, RatingRuleSet, RatingStep
from handbook.ratings.operations import copy_rule_set, open_year
from handbook.ratings.rules import level_for, quota_allowed, within_quota
from handbook.registry import Evidence, registry
from support import csrf_token, logged_in_client

_years = itertools.count(2051)


@pytest.fixture
def rules(app):
    """The 2025 rule set the migration wrote (366-QĐ/TW)."""
    with app.app_context():
        rule_set = rule_set_of(db.session, 2025)
        db.session.expunge_all()
        return rule_set


@pytest.mark.parametrize("score, level", [
    ("100", "excellent"), ("90", "excellent"), ("89.99", "good"), ("89,99", "good"), ("70", "good"),
    ("69.99", "pass"), ("50", "pass"), ("49.99", "fail"), ("0", "fail"),
])
def test_thresholds_at_their_boundaries(rules, score, level):
    assert level_for(rules, score, {"points_reached": True, "disciplined": False}) == level


def test_evidence_caps_the_level_and_absent_evidence_is_not_applied(rules):
    # Below the province's points target: at most HTTNV, whatever the score.
    assert level_for(rules, 95, {"points_reached": False}) == "good"
    # Disciplined in the year: KHTNV.
    assert level_for(rules, 95, {"points_reached": True, "disciplined": True}) == "fail"
    # Tasks are not registered yet: their conditions are not applied; once present, they are.
    assert level_for(rules, 95, {}) == "excellent"
    assert level_for(rules, 95, {"tasks_on_time_rate": 0.9}) == "pass"
    assert level_for(rules, 95, {"tasks_on_time_rate": 0.9, "tasks_late_rate": 0.25}) == "fail"
    # Without a score: the best the evidence allows.
    assert level_for(rules, None, {"points_reached": False}) == "good"


def test_the_quota_is_a_fifth_of_htt(rules):
    assert quota_allowed(rules, 4) == 0 and quota_allowed(rules, 5) == 1 and quota_allowed(rules, 14) == 2
    assert within_quota(rules, 1, 5) and not within_quota(rules, 2, 9) and within_quota(rules, 0, 0)


@pytest.fixture
def cycle(app, make):
    """A grassroots organization with two branches (six and four members), its own year's rules open,
    a secretary of branch A, a committee user at the grassroots level and one at the other branch."""
    year = next(_years)
    c = {"year": year}
    c["G"] = make.org(kind="grassroots", name="Đảng bộ xã Thụy Hải")
    c["A"] = make.org(c["G"], "branch", "Chi bộ thôn Tân Bồi")
    c["B"] = make.org(c["G"], "branch", "Chi bộ thôn Thái Hòa")
    c["members"] = [make.member(c["A"], f"Phạm Thị Thu {i}") for i in range(6)]
    c["members"] += [make.member(c["B"], f"Vũ Văn Bình {i}") for i in range(4)]
    c["secretary"] = make.user("secretary", c["A"])
    c["committee"] = make.user("committee", c["G"])
    c["other_committee"] = make.user("committee", make.org(kind="grassroots", name="Đảng bộ xã Khác"))
    with app.app_context():
        session = db.session
        source = rule_set_of(session, 2025)
        rule_set = copy_rule_set(session, source, year)
        rule_set.is_open = True
        session.flush()
        c["created"] = open_year(session, rule_set, session.get(type(c["G"]), c["G"].id))
        session.commit()
        c["ratings"] = {r.member_id: r.id for r in session.execute(
            select(MemberRating).where(MemberRating.year == year)).scalars()}
    return c


def _post(client, url, data):
    token = csrf_token(client, url)
    return client.post(url, data={"csrf_token": token, **data})


def _rating(app, rating_id):
    with app.app_context():
        row = db.session.get(MemberRating, rating_id)
        db.session.expunge(row)
        return row


def _steps(app, rating_id):
    with app.app_context():
        return [(s.step, s.level, s.by_id, s.detail) for s in db.session.execute(
            select(RatingStep).where(RatingStep.member_rating_id == rating_id).order_by(RatingStep.id)).scalars()]


def test_opening_a_year_rates_every_member_of_the_subtree_once(app, cycle):
    assert cycle["created"] == 10 and len(cycle["ratings"]) == 10
    with app.app_context():
        rule_set = rule_set_of(db.session, cycle["year"])
        assert open_year(db.session, rule_set, None) >= 0  # the whole tree: nobody rated twice
        db.session.commit()
        again = db.session.execute(select(MemberRating.member_id).where(MemberRating.year == cycle["year"])).scalars().all()
    assert len(again) == len(set(again))


def test_a_registered_piece_of_evidence_reaches_the_ratings_and_the_rules(app, cycle):
    """A test domain registers "Giờ tình nguyện": it is computed with the others, stored on the
    ratings, and a condition of the rule set on it caps the draft, with no change to the rating code."""
    member = cycle["members"][0]

    def volunteering(ctx):
        return [(member.id, "volunteer_hours", 3)]

    reg = registry(app)
    item = Evidence("volunteer_hours", "Giờ tình nguyện")
    reg.evidence.append(item)
    reg.evidence_sources.append(volunteering)
    try:
        with app.app_context():
            session = db.session
            rule_set = rule_set_of(session, cycle["year"])
            # Nobody has points in this test's year: the points condition would cap every draft first.
            rule_set.conditions = [c for c in rule_set.conditions if c.key != "points_reached"]
            rule_set.conditions.append(RatingCondition(subject="member", level="excellent", key="volunteer_hours",
                                                       operator=">=", value=Decimal(10)))
            session.flush()
            refresh_evidence(session, cycle["year"], cycle["G"].path)
            session.commit()
            rating = session.get(MemberRating, cycle["ratings"][member.id])
            assert rating.evidence["volunteer_hours"] == 3
            assert rating.evidence["points_year"] == 0 and rating.evidence["disciplined"] is False
            assert rating.draft_level == "good"  # 3 hours < 10: not HTXSNV
            other = session.get(MemberRating, cycle["ratings"][cycle["members"][1].id])
            # No value: the condition is not applied to them.
            assert "volunteer_hours" not in other.evidence and other.draft_level == "excellent"
    finally:
        reg.evidence.remove(item)
        reg.evidence_sources.remove(volunteering)


def test_discipline_in_the_year_is_evidence_and_fails_the_draft(app, cycle):
    from datetime import date, datetime

    member = cycle["members"][5]
    with app.app_context():
        db.session.add(Discipline(member_id=member.id, form="warning", decided_on=date(cycle["year"], 3, 2),
                                  decision_number="12-QĐ/ĐU"))
        db.session.commit()
        # Taken at the end of that (future) year: a decision dated in it counts.
        refresh_evidence(db.session, cycle["year"], cycle["G"].path, now=datetime(cycle["year"], 12, 31))
        db.session.commit()
    rating = _rating(app, cycle["ratings"][member.id])
    assert rating.evidence["disciplined"] is True and rating.draft_level == "fail"


def _propose_all(app, cycle, levels, reasons=None):
    client = logged_in_client(app, cycle["secretary"])
    data = {}
    for i, member in enumerate(cycle["members"][:6]):
        rid = cycle["ratings"][member.id]
        data[f"level-{rid}"] = levels[i]
        data[f"reason-{rid}"] = (reasons or {}).get(i, "Hoàn thành tốt nhiệm vụ được giao")
    return client, _post(client, f"/admin/ratings/branch?org={cycle['A'].id}&year={cycle['year']}", data)


def test_the_secretary_proposes_and_a_differing_level_needs_a_reason(app, cycle):
    client = logged_in_client(app, cycle["secretary"])
    page = client.get(f"/admin/ratings/branch?org={cycle['A'].id}&year={cycle['year']}")
    assert page.status_code == 200 and "Phạm Thị Thu 0" in page.get_data(as_text=True)
    first = cycle["ratings"][cycle["members"][0].id]
    draft = _rating(app, first).draft_level
    other = "pass" if draft != "pass" else "good"
    # A level unlike the draft without a reason: 400, the message, nothing saved.
    response = _post(client, f"/admin/ratings/branch?org={cycle['A'].id}&year={cycle['year']}",
                     {f"level-{first}": other, f"reason-{first}": ""})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "ghi rõ lý do" in body
    assert _rating(app, first).proposed_level is None
    response = _post(client, f"/admin/ratings/branch?org={cycle['A'].id}&year={cycle['year']}",
                     {f"level-{first}": other, f"reason-{first}": "Chưa hoàn thành chỉ tiêu công tác"})
    assert response.status_code == 302
    rating = _rating(app, first)
    assert (rating.status, rating.proposed_level, rating.proposed_by_id) == ("proposed", other, cycle["secretary"].id)
    step, level, by, detail = _steps(app, first)[-1]
    assert (step, level, by) == ("proposal", other, cycle["secretary"].id)
    assert detail["changes"]["proposed_level"] == [None, other] and detail["reason"] == "Chưa hoàn thành chỉ tiêu công tác"


def test_a_secretary_cannot_take_the_committees_step(app, cycle):
    client = logged_in_client(app, cycle["secretary"])
    assert client.get(f"/admin/ratings/decide?org={cycle['G'].id}&year={cycle['year']}").status_code == 403
    rid = cycle["ratings"][cycle["members"][0].id]
    response = _post(client, f"/admin/ratings/branch?org={cycle['A'].id}&year={cycle['year']}", {})
    assert response.status_code == 302
    token = csrf_token(client, f"/admin/ratings/branch?org={cycle['A'].id}&year={cycle['year']}")
    forged = client.post(f"/admin/ratings/decide?org={cycle['G'].id}&year={cycle['year']}",
                         data={"csrf_token": token, f"level-{rid}": "excellent"})
    assert forged.status_code == 403
    assert _rating(app, rid).decided_level is None
    # Nor the branch next door, nor a committee of another commune.
    assert client.get(f"/admin/ratings/branch?org={cycle['B'].id}&year={cycle['year']}").status_code == 404
    stranger = logged_in_client(app, cycle["other_committee"])
    assert stranger.get(f"/admin/ratings/decide?org={cycle['G'].id}&year={cycle['year']}").status_code == 404


def test_the_committee_decides_within_the_quota_and_every_step_is_recorded(app, cycle):
    # Five HTTNV and one HTXSNV proposed in branch A: one is allowed (20% of 5).
    levels = ["good"] * 5 + ["excellent"]
    _client, response = _propose_all(app, cycle, levels)
    assert response.status_code == 302
    committee = logged_in_client(app, cycle["committee"])
    url = f"/admin/ratings/decide?org={cycle['A'].id}&year={cycle['year']}"  # a branch leads to its grassroots
    page = committee.get(url)
    assert page.status_code == 200 and "được tối đa" in page.get_data(as_text=True)
    ids = [cycle["ratings"][m.id] for m in cycle["members"][:6]]
    # Two HTXSNV over four HTTNV: blocked, nothing written.
    data = {f"level-{rid}": level for rid, level in zip(ids, ["good"] * 4 + ["excellent"] * 2)}
    data.update({f"note-{ids[4]}": "Tiêu biểu trong phong trào"})
    response = _post(committee, url, data)
    assert response.status_code == 400 and "Vượt hạn mức" in response.get_data(as_text=True)
    assert all(_rating(app, rid).decided_level is None for rid in ids)
    # As proposed: within the quota, decided.
    response = _post(committee, url, {f"level-{rid}": level for rid, level in zip(ids, levels)})
    assert response.status_code == 302
    decided = _rating(app, ids[5])
    assert (decided.status, decided.decided_level, decided.decided_by_id) == ("decided", "excellent", cycle["committee"].id)
    # Every step with who and what: proposal by the secretary, decision by the committee.
    steps = _steps(app, ids[5])
    assert [(s, lvl, by) for s, lvl, by, _ in steps] == [
        ("proposal", "excellent", cycle["secretary"].id), ("decision", "excellent", cycle["committee"].id)]
    assert steps[-1][3]["changes"]["decided_level"] == [None, "excellent"]
    # A second HTXSNV later (one more HTTNV is not enough: 6 HTTNV allow 1) is blocked too.
    response = _post(committee, url, {f"level-{ids[0]}": "excellent", f"note-{ids[0]}": "Đề nghị nâng mức"})
    assert response.status_code == 400 and _rating(app, ids[0]).decided_level == "good"
    # The grassroots organization is counted: branch B undecided, so no draft for G; A fully decided.
    with app.app_context():
        counts = {row.organization_id: row for row in db.session.execute(select(OrganizationRating).where(
            OrganizationRating.year == cycle["year"])).scalars()}
        assert counts[cycle["A"].id].counts == {"rated": 6, "good": 5, "excellent": 1}
        assert counts[cycle["A"].id].draft_level == "excellent"  # 100% ≥ HTNV, 100% ≥ HTTNV
        assert counts[cycle["G"].id].counts["rated"] == 10 and counts[cycle["G"].id].draft_level is None


def test_a_decided_rating_is_not_proposed_again(app, cycle):
    levels = ["good"] * 6
    client, _ = _propose_all(app, cycle, levels)
    committee = logged_in_client(app, cycle["committee"])
    ids = [cycle["ratings"][m.id] for m in cycle["members"][:6]]
    url = f"/admin/ratings/decide?org={cycle['G'].id}&year={cycle['year']}"
    assert _post(committee, url, {f"level-{rid}": "good" for rid in ids}).status_code == 302
    response = _post(client, f"/admin/ratings/branch?org={cycle['A'].id}&year={cycle['year']}",
                     {f"level-{ids[0]}": "excellent", f"reason-{ids[0]}": "Nâng mức"})
    assert response.status_code == 400 and "đã quyết định" in response.get_data(as_text=True)
    assert _rating(app, ids[0]).proposed_level == "good"


def test_the_organizations_level_is_decided_from_above_only(app, cycle):
    _propose_all(app, cycle, ["good"] * 6)
    committee = logged_in_client(app, cycle["committee"])
    ids = [cycle["ratings"][m.id] for m in cycle["members"][:6]]
    _post(committee, f"/admin/ratings/decide?org={cycle['G'].id}&year={cycle['year']}",
          {f"level-{rid}": "good" for rid in ids})
    with app.app_context():
        row_a = db.session.execute(select(OrganizationRating).where(
            OrganizationRating.organization_id == cycle["A"].id, OrganizationRating.year == cycle["year"])).scalar_one()
        row_g = db.session.execute(select(OrganizationRating).where(
            OrganizationRating.organization_id == cycle["G"].id, OrganizationRating.year == cycle["year"])).scalar_one()
        a_id, g_id = row_a.id, row_g.id
    # G's committee decides branch A; it may not decide G itself.
    response = _post(committee, "/admin/organization_ratings/decide", {"id": a_id, "level": "excellent", "note": ""})
    assert response.status_code == 302
    refused = _post(committee, "/admin/organization_ratings/decide", {"id": g_id, "level": "excellent", "note": "x"})
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.get(OrganizationRating, a_id).decided_level == "excellent"
        assert db.session.get(OrganizationRating, g_id).decided_level is None
    secretary = logged_in_client(app, cycle["secretary"])
    assert _post(secretary, "/admin/organization_ratings/decide", {"id": a_id, "level": "fail"}).status_code == 400


def test_the_rules_are_the_admins_alone(app, cycle, tree):
    committee = logged_in_client(app, cycle["committee"])
    assert committee.get("/admin/rating_rules/").status_code == 403
    admin = logged_in_client(app, tree["admin"])
    page = admin.get("/admin/rating_rules/")
    assert page.status_code == 200 and "366-QĐ/TW" in page.get_data(as_text=True)
    with app.app_context():
        source = db.session.execute(select(RatingRuleSet.id).where(RatingRuleSet.year == 2025)).scalar_one()
    year = next(_years)
    response = _post(admin, "/admin/rating_rules/copy", {"id": source, "year": year})
    assert response.status_code == 302
    with app.app_context():
        copy = rule_set_of(db.session, year)
        assert len(copy.criteria) == 7 and sum(c.max_score for c in copy.criteria) == 100 and not copy.is_open
    assert _post(admin, "/admin/rating_rules/copy", {"id": source, "year": year}).status_code == 302  # refused, flashed


def test_above_the_grassroots_level_the_committee_chooses_a_grassroots_organization(app, make):
    district = make.org(kind="committee", name="Huyện ủy Thử Xếp Loại")
    communes = [make.org(district, "grassroots", name) for name in ("Đảng bộ xã Minh Tân", "Đảng bộ xã Hồng Phong")]
    branch = make.org(communes[0], "branch", "Chi bộ thôn Lạc Thành")
    for i in range(3):
        make.member(branch, f"Đỗ Minh Châu {i}")
    year = next(_years)
    with app.app_context():
        rule_set = copy_rule_set(db.session, rule_set_of(db.session, 2025), year)
        open_year(db.session, rule_set, db.session.get(type(district), district.id))
        db.session.commit()
    client = logged_in_client(app, make.user("committee", district))
    page = client.get(f"/admin/ratings/decide?org={district.id}&year={year}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Đảng bộ xã Minh Tân" in body
    assert "Đảng bộ xã Hồng Phong" not in body  # nobody rated there
    assert f"/admin/ratings/decide?org={communes[0].id}" in body.replace("&amp;", "&")
    decide_page = client.get(f"/admin/ratings/decide?org={communes[0].id}&year={year}")
    assert decide_page.status_code == 200 and "Đỗ Minh Châu 2" in decide_page.get_data(as_text=True)


def test_a_year_with_ratings_keeps_its_rules(app, cycle, tree):
    admin = logged_in_client(app, tree["admin"])
    with app.app_context():
        rule_set_id = rule_set_of(db.session, cycle["year"]).id
    response = _post(admin, "/admin/rating_rules/delete/", {"id": rule_set_id, "url": "/admin/rating_rules/"})
    assert response.status_code == 302
    page = admin.get("/admin/rating_rules/").get_data(as_text=True)
    assert "Không thể xóa bộ tiêu chí" in page
    with app.app_context():
        assert db.session.get(RatingRuleSet, rule_set_id) is not None


def test_the_nightly_job_refreshes_the_open_years_evidence(app, cycle):
    from datetime import date, datetime

    from handbook.jobs import run_job

    member = cycle["members"][2]
    with app.app_context():
        db.session.add(Discipline(member_id=member.id, form="reprimand", decided_on=date(cycle["year"], 1, 5)))
        db.session.commit()
        result = run_job("rating-evidence", now=datetime(cycle["year"], 6, 1))
    assert result is not None and result[str(cycle["year"])] >= 10
    rating = _rating(app, cycle["ratings"][member.id])
    assert rating.evidence["disciplined"] is True and rating.draft_level == "fail"


@pytest.mark.parametrize("typed", ["abc", "1e30", "NaN", "Infinity", "9" * 40])
def test_a_score_that_is_not_a_number_is_refused_not_a_500(app, cycle, typed):
    client = logged_in_client(app, cycle["secretary"])
    rid = cycle["ratings"][cycle["members"][0].id]
    response = _post(client, f"/admin/ratings/branch?org={cycle['A'].id}&year={cycle['year']}",
                     {f"level-{rid}": "good", f"score-{rid}": typed, f"reason-{rid}": "Lý do"})
    assert response.status_code == 400 and ("Điểm phải là một số" in response.get_data(as_text=True)
                                            or "Điểm từ 0 đến 100" in response.get_data(as_text=True))
    assert _rating(app, rid).proposed_level is None


def test_a_committee_opens_the_year_for_its_subtree_and_a_secretary_cannot(app, make):
    grassroots = make.org(kind="grassroots", name="Đảng bộ xã Mở Đợt")
    branch = make.org(grassroots, "branch", "Chi bộ thôn Mở Đợt")
    members = [make.member(branch, f"Hà Thị Mở {i}") for i in range(3)]
    make.member(branch, "Hà Văn Miễn", status="exempt")  # exempt from party life: not rated
    year = next(_years)
    with app.app_context():
        copy_rule_set(db.session, rule_set_of(db.session, 2025), year)
        db.session.commit()
    secretary = logged_in_client(app, make.user("secretary", branch))
    assert _post(secretary, "/admin/ratings/open", {"year": year, "org": branch.id}).status_code == 403
    committee = logged_in_client(app, make.user("committee", grassroots))
    outside = make.org(kind="grassroots", name="Đảng bộ xã Ngoài")
    assert _post(committee, "/admin/ratings/open", {"year": year, "org": outside.id}).status_code == 404
    assert _post(committee, "/admin/ratings/open", {"year": year}).status_code == 302
    with app.app_context():
        rated = set(db.session.execute(select(MemberRating.member_id).where(MemberRating.year == year)).scalars())
    assert rated == {m.id for m in members}
