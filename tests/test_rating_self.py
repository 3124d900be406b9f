"""The member's own rating (/me/rating) and the party discipline screen, through the real pages with
CSRF; what is saved is read back from the database.

The year is one of this module's own (the 2025 rules copied, the points target's condition left out
so that a future year's evidence allows HTXSNV), opened for a grassroots organization of its own.
"""
import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from audit_support import entries_since, last_id
from handbook.auth.models import User
from handbook.clock import local_today
from handbook.extensions import db
from handbook.organizations.models import Discipline, Organization
from handbook.ratings.evidence import rule_set_of
from handbook.ratings.member import evidence_text, rating_today
from handbook.ratings.models import MemberRating, RatingRuleSet, RatingStep
from handbook.ratings.operations import Proposal, copy_rule_set, decide, open_year, propose
from handbook.registry import Evidence
from handbook.scope import Scope
from support import count_queries, csrf_token, logged_in_client

URL = "/me/rating"
# Every criterion at its most: 30 common points and 70 for tasks.
FULL = {"1.1": "8", "1.2": "8", "1.3": "8", "1.4": "6", "2.1": "40", "2.2": "20", "2.3": "10"}


@pytest.fixture(scope="module")
def subtree(make):
    """A grassroots organization with a branch, its committee and secretary; and a branch elsewhere."""
    grassroots = make.org(kind="grassroots", name="Đảng bộ xã Tự Đánh Giá")
    branch = make.org(grassroots, "branch", "Chi bộ thôn Tự Đánh Giá")
    elsewhere = make.org(make.org(kind="grassroots", name="Đảng bộ xã Nơi Khác"), "branch", "Chi bộ Nơi Khác")
    return SimpleNamespace(
        grassroots=grassroots, branch=branch, elsewhere=elsewhere,
        committee=make.user("committee", grassroots),
        secretary=make.user("secretary", branch, make.member(branch, "Đỗ Văn Bí Thư")),
    )


@pytest.fixture(scope="module")
def year(app, subtree):
    """This module's year: the 2025 rules copied to the first free year from 2041, open."""
    with app.app_context():
        taken = set(db.session.execute(select(RatingRuleSet.year)).scalars())
        year = next(y for y in range(2041, 2200) if y not in taken)
        rule_set = copy_rule_set(db.session, rule_set_of(db.session, 2025), year)
        rule_set.conditions = [c for c in rule_set.conditions if c.key != "points_reached"]
        rule_set.is_open = True
        db.session.commit()
    return year


def _open(app, year, branch):
    """Open ``year`` for the members of ``branch`` who have no rating yet."""
    with app.app_context():
        open_year(db.session, rule_set_of(db.session, year), db.session.get(Organization, branch.id))
        db.session.commit()


def _rating_of(dbq, member_id, year) -> MemberRating | None:
    return dbq(lambda s: s.execute(select(MemberRating).where(
        MemberRating.member_id == member_id, MemberRating.year == year)).scalar_one_or_none())


def _steps(dbq, rating_id) -> list[RatingStep]:
    return dbq(lambda s: s.execute(select(RatingStep).where(RatingStep.member_rating_id == rating_id)
                                   .order_by(RatingStep.id)).scalars().all())


@pytest.fixture
def rated(app, make, dbq, subtree, year):
    """A new member of the branch, signed in on a client of their own, with an open rating for the year."""
    member = make.member(subtree.branch, "Lê Thị Tự Chấm")
    user = make.user("member", subtree.branch, member)
    _open(app, year, subtree.branch)
    rating = _rating_of(dbq, member.id, year)
    return SimpleNamespace(member=member, user=user, rating_id=rating.id, client=logged_in_client(app, user))


def _submit(client, scores, comment="", **extra):
    """Post the page's form with ``scores`` by criterion code, its CSRF token included."""
    data = {"csrf_token": csrf_token(client, URL), "comment": comment,
            **{f"score-{code}": value for code, value in scores.items()}, **extra}
    return client.post(URL, data=data)


def _text(response) -> str:
    return response.get_data(as_text=True)


# -- the page ------------------------------------------------------------------------------------
def test_member_sees_the_year_the_criteria_and_the_evidence(rated, year):
    """Does the member's page show the year and its regulation, every criterion in its group with its
    maximum and a decimal box, and the evidence in Vietnamese; and does the home remind them?"""
    response = rated.client.get(URL)
    assert response.status_code == 200
    html = _text(response)
    assert f"Đánh giá, xếp loại đảng viên năm {year}" in html and "366-QĐ/TW" in html
    assert "Tiêu chí chung" in html and "(tối đa 30&nbsp;điểm)" in html
    assert "Kết quả thực hiện nhiệm vụ" in html and "(tối đa 70&nbsp;điểm)" in html
    assert "Chính trị, tư tưởng" in html and "/ 40 điểm" in html
    assert len(re.findall(r'<input type="text" inputmode="decimal"[^>]*name="score-\d\.\d"', html)) == 7
    evidence = re.search(r'data-testid="evidence">(.*?)</dl>', html, re.S).group(1)
    assert re.search(r"Bị kỷ luật trong năm</dt><dd[^>]*>Không<", evidence)
    assert re.search(r"Điểm tích lũy trong năm</dt><dd[^>]*>0<", evidence)
    assert "Chưa tự đánh giá" in html
    home = _text(rated.client.get("/"))
    assert f'<a href="/me/rating">Tự đánh giá, xếp loại đảng viên năm {year}</a>' in home


def test_valid_scores_are_saved_with_their_level_and_a_step(rated, dbq, year):
    """Are typed scores (a comma for decimals) saved with their total, the level they give and a
    'self' step naming who took it; is the level shown, and the home's reminder gone?"""
    scores = {**FULL, "2.1": "25,5"}  # 85,5 points
    response = _submit(rated.client, scores, comment="Hoàn thành tốt nhiệm vụ được giao.")
    assert response.status_code == 302 and response.location.endswith(URL)
    html = _text(rated.client.get(URL))
    assert "Đã lưu bản tự đánh giá: Hoàn thành tốt nhiệm vụ" in html
    assert re.search(r'data-testid="self-score">85,5/100<', html)
    assert re.search(r'data-testid="self-level"><strong class="level">HTTNV</strong>', html)
    assert 'value="25,5"' in html  # the form shows what was saved, the Vietnamese way
    rating = _rating_of(dbq, rated.member.id, year)
    assert (rating.status, str(rating.self_score), rating.self_level) == ("self", "85.50", "good")
    assert rating.self_scores["2.1"] == "25.50" and rating.self_comment == "Hoàn thành tốt nhiệm vụ được giao."
    [step] = _steps(dbq, rating.id)
    assert (step.step, step.level, str(step.score), step.by_id) == ("self", "good", "85.50", rated.user.id)
    assert step.detail["scores"] == rating.self_scores
    history = re.search(r'data-testid="history">(.*?)</ol>', html, re.S).group(1)
    assert "Tự đánh giá" in history and "HTTNV" in history and rated.user.login in history
    assert "Tự đánh giá, xếp loại" not in _text(rated.client.get("/"))


@pytest.mark.parametrize(("last", "level", "short"), [("9,99", "good", "HTTNV"), ("10", "excellent", "HTXSNV")])
def test_ninety_points_is_the_boundary_of_htxsnv(rated, dbq, year, last, level, short):
    """Does 89,99 give HTTNV and 90 give HTXSNV (the evidence allowing it)?"""
    response = _submit(rated.client, {**FULL, "2.2": "10", "2.3": last})
    assert response.status_code == 302
    rating = _rating_of(dbq, rated.member.id, year)
    assert rating.self_level == level
    assert f'<strong class="level">{short}</strong>' in _text(rated.client.get(URL))


@pytest.mark.parametrize(("code", "typed", "error"), [
    ("2.1", "41", "Điểm từ 0 đến 40."),
    ("1.1", "8,01", "Điểm từ 0 đến 8."),
    ("1.4", "-1", "Điểm từ 0 đến 6."),
    ("1.1", "abc", "Điểm phải là một số."),
    ("1.2", "1e30", "Điểm phải là một số."),
    ("2.3", "", "Chưa chấm điểm tiêu chí này."),
])
def test_a_score_out_of_range_or_not_a_number_is_refused_and_nothing_saved(rated, dbq, year, code, typed, error):
    """Is a score above its maximum, below zero, not a number or missing refused with 400, the
    message in Vietnamese beside its criterion, what was typed kept, and nothing saved?"""
    response = _submit(rated.client, {**FULL, code: typed}, comment="Nhận xét đã gõ")
    assert response.status_code == 400
    html = _text(response)
    assert "Điểm tự chấm chưa hợp lệ." in html
    assert f'data-testid="error-{code}">{error}<' in html
    assert f'name="score-{code}" value="{typed}"' in html and 'name="score-1.3" value="8"' in html
    assert "Nhận xét đã gõ" in html
    rating = _rating_of(dbq, rated.member.id, year)
    assert (rating.status, rating.self_score, rating.self_scores) == ("open", None, {})
    assert _steps(dbq, rating.id) == []


def test_once_the_branch_proposed_the_member_cannot_change_it(app, rated, dbq, subtree, year):
    """After the branch's proposal (and the committee's decision), is the page read-only with both
    shown and every step listed, and is a new self-assessment refused with 400, nothing changed?"""
    assert _submit(rated.client, {**FULL, "2.1": "30"}).status_code == 302  # 90: HTXSNV
    with app.app_context():
        rating = db.session.get(MemberRating, rated.rating_id)
        secretary, committee = db.session.get(User, subtree.secretary.id), db.session.get(User, subtree.committee.id)
        propose(db.session, secretary, [Proposal(rating.id, "good", reason="Chưa có nhiệm vụ vượt yêu cầu.")],
                {rating.id: rating})
        db.session.commit()
    html = _text(rated.client.get(URL))
    assert 'data-testid="self-form"' not in html and "bản tự đánh giá không sửa được nữa" in html
    assert re.search(r'data-testid="proposed-level"><strong class="level">HTTNV</strong>', html)
    assert "Chưa có nhiệm vụ vượt yêu cầu." in html and "Chưa quyết định" in html

    response = _submit(rated.client, FULL)
    assert response.status_code == 400
    assert "Chi bộ đã đề xuất mức xếp loại: không thể sửa bản tự đánh giá." in _text(response)
    rating = _rating_of(dbq, rated.member.id, year)
    assert (rating.status, rating.self_level, str(rating.self_score)) == ("proposed", "excellent", "90.00")

    with app.app_context():
        committee = db.session.get(User, subtree.committee.id)
        decide(db.session, committee, Scope.for_user(committee), db.session.get(Organization, subtree.grassroots.id),
               {rated.rating_id: ("good", None)})
        db.session.commit()
    html = _text(rated.client.get(URL))
    assert re.search(r'data-testid="decided-level"><strong class="level">HTTNV</strong>', html)
    history = re.search(r'data-testid="history">(.*?)</ol>', html, re.S).group(1)
    assert [s.step for s in _steps(dbq, rated.rating_id)] == ["self", "proposal", "decision"]
    for label, login in (("Tự đánh giá", rated.user.login), ("Chi bộ đề xuất", subtree.secretary.login),
                         ("Cấp ủy quyết định", subtree.committee.login)):
        assert label in history and login in history
    assert _submit(rated.client, FULL).status_code == 400


def test_another_members_rating_is_never_reached(app, make, rated, dbq, subtree, year):
    """Do ids forged into the form or the address leave another member's rating untouched, the page
    working on the user's own row only?"""
    neighbour = make.member(subtree.branch, "Phạm Văn Láng Giềng")
    _open(app, year, subtree.branch)
    theirs = _rating_of(dbq, neighbour.id, year)
    page = _text(rated.client.get(f"{URL}?id={theirs.id}&member_id={neighbour.id}"))
    assert "Láng Giềng" not in page
    response = _submit(rated.client, FULL, id=theirs.id, rating_id=theirs.id, member_id=neighbour.id,
                       year=year, status="decided")
    assert response.status_code == 302
    assert _rating_of(dbq, rated.member.id, year).self_level == "excellent"
    after = _rating_of(dbq, neighbour.id, year)
    assert (after.status, after.self_score, after.version) == ("open", None, theirs.version)
    assert _steps(dbq, theirs.id) == []


def test_a_post_without_csrf_is_refused(rated, dbq, year):
    """Is a self-assessment posted without the form's token refused with 400, nothing saved?"""
    response = rated.client.post(URL, data={f"score-{code}": value for code, value in FULL.items()})
    assert response.status_code == 400
    assert _rating_of(dbq, rated.member.id, year).status == "open"


def test_staff_who_are_members_assess_themselves(app, subtree, dbq, year):
    """Does a secretary with a member record reach their own rating on the same page?"""
    _open(app, year, subtree.branch)
    client = logged_in_client(app, subtree.secretary)
    html = _text(client.get(URL))
    assert f"năm {year}" in html and 'data-testid="self-form"' in html


def test_without_a_member_record_or_a_rating_the_page_says_so(app, make, subtree):
    """Does an account with no member record get a Vietnamese 404, and a member not yet rated a page saying so?"""
    response = logged_in_client(app, subtree.committee).get(URL)
    assert response.status_code == 404
    assert "chưa gắn với hồ sơ đảng viên" in _text(response)
    member = make.member(subtree.elsewhere, "Vũ Thị Chưa Mở")
    response = logged_in_client(app, make.user("member", subtree.elsewhere, member)).get(URL)
    assert response.status_code == 200
    assert "Bạn chưa có bản đánh giá, xếp loại nào." in _text(response)
    assert logged_in_client(app, subtree.committee).post(URL, data={}).status_code == 400  # no token


def test_a_closed_year_is_shown_but_not_changed(app, rated, dbq, year):
    """Once the year is closed, does the page say so without a form, refuse a post with 400, and the
    home stop reminding?"""
    def set_open(value):
        def run(s):
            s.execute(select(RatingRuleSet).where(RatingRuleSet.year == year)).scalar_one().is_open = value
            s.commit()
        dbq(run)

    token = csrf_token(rated.client, URL)
    set_open(False)
    try:
        html = _text(rated.client.get(URL))
        assert f"Đợt đánh giá, xếp loại năm {year} chưa mở hoặc đã kết thúc." in html
        assert 'data-testid="self-form"' not in html
        response = rated.client.post(URL, data={"csrf_token": token, **{f"score-{c}": v for c, v in FULL.items()}})
        assert response.status_code == 400 and "chưa mở hoặc đã kết thúc" in _text(response)
        assert "Tự đánh giá, xếp loại" not in _text(rated.client.get("/"))
    finally:
        set_open(True)
    assert _rating_of(dbq, rated.member.id, year).status == "open"


def test_the_home_reminder_is_one_query(app, rated):
    """Does the member home's rating item cost one query, and none for an account with no member record?"""
    user = SimpleNamespace(member_id=rated.member.id)
    with app.test_request_context("/"):
        with count_queries(db.engine) as seen:
            items = rating_today(user)
        assert seen.count == 1, str(seen)
        assert items and items[0]["url"] == "/me/rating"
        with count_queries(db.engine) as seen:
            assert rating_today(SimpleNamespace(member_id=None)) == []
        assert seen.count == 0


@pytest.mark.parametrize(("item", "value", "shown"), [
    (Evidence("a", "A"), 108600, "108.600"),
    (Evidence("a", "A", decimals=1), 12.25, "12,2"),
    (Evidence("a", "A", kind="percent", decimals=1), 0.785, "78,5%"),
    (Evidence("a", "A", kind="percent"), 1, "100%"),
    (Evidence("a", "A", kind="flag"), True, "Có"),
    (Evidence("a", "A", kind="flag"), False, "Không"),
    (Evidence("a", "A"), None, "—"),
    (Evidence("a", "A", kind="flag"), None, "—"),
])
def test_evidence_reads_the_vietnamese_way(item, value, shown):
    """Are evidence values written as Vietnamese read them: 108.600, 78,5%, Có/Không, — for none?"""
    assert evidence_text(item, value) == shown


# -- the discipline screen ---------------------------------------------------------------------------
def _discipline_form(client, member_id, number, decided_on=None, url="/admin/discipline/new/"):
    """Post the discipline form for ``member_id`` with decision ``number`` (a warning, dated 05/01/2026)."""
    return client.post(url, data={
        "csrf_token": csrf_token(client, "/"), "member": str(member_id), "form": "warning",
        "decided_on": decided_on or "05/01/2026", "decision_number": number, "issuer": "Đảng ủy xã Tự Đánh Giá",
        "reason": "Vi phạm quy định về sinh hoạt đảng.",
    })


def _disciplines(dbq, number) -> list[Discipline]:
    return dbq(lambda s: s.execute(select(Discipline).where(Discipline.decision_number == number)).scalars().all())


def test_committee_records_a_discipline_for_a_member_of_its_subtree(app, make, subtree, dbq):
    """Can the grassroots committee record a discipline for a member of its subtree, shown in Vietnamese on its list?"""
    member = make.member(subtree.branch, "Hoàng Văn Kỷ Luật")
    client = logged_in_client(app, subtree.committee)
    form_page = _text(client.get("/admin/discipline/new/"))
    assert "Hình thức kỷ luật" in form_page and "Khiển trách" in form_page and "Khai trừ" in form_page
    response = _discipline_form(client, member.id, "KL-01-QĐ/ĐU")
    assert response.status_code == 302
    [row] = _disciplines(dbq, "KL-01-QĐ/ĐU")
    assert (row.member_id, row.form, row.decided_on) == (member.id, "warning", date(2026, 1, 5))
    listing = _text(client.get("/admin/discipline/"))
    assert "Hoàng Văn Kỷ Luật" in listing and "Cảnh cáo" in listing and "05/01/2026" in listing


def test_committee_cannot_discipline_a_member_outside_its_subtree(app, make, subtree, dbq):
    """Is a discipline for a member outside the committee's subtree refused with 403, audited, nothing saved?"""
    outsider = make.member(subtree.elsewhere, "Ngô Văn Ngoài Phạm Vi")
    client = logged_in_client(app, subtree.committee)
    since = last_id(dbq)
    response = _discipline_form(client, outsider.id, "KL-02-QĐ/ĐU")
    assert response.status_code == 403
    assert "Đảng viên không thuộc phạm vi tổ chức bạn được quản lý." in _text(response)
    assert _disciplines(dbq, "KL-02-QĐ/ĐU") == []
    [entry] = entries_since(dbq, since, "refused_rights")
    assert (entry.user_id, entry.entity) == (subtree.committee.id, "member_discipline")


def test_a_discipline_cannot_be_dated_after_today(app, make, subtree, dbq):
    """Is a decision dated tomorrow refused, nothing saved?"""
    member = make.member(subtree.branch)
    client = logged_in_client(app, subtree.committee)
    tomorrow = (local_today() + timedelta(days=1)).strftime("%d/%m/%Y")
    response = _discipline_form(client, member.id, "KL-03-QĐ/ĐU", decided_on=tomorrow)
    assert response.status_code == 200
    assert "Ngày quyết định không được sau ngày hôm nay." in _text(response)
    assert _disciplines(dbq, "KL-03-QĐ/ĐU") == []


def test_a_secretary_reads_but_does_not_record_discipline(app, make, subtree, dbq):
    """Does a branch secretary see the list but get no form, a forged post saving nothing?"""
    member = make.member(subtree.branch)
    client = logged_in_client(app, subtree.secretary)
    assert client.get("/admin/discipline/").status_code == 200
    assert client.get("/admin/discipline/new/").status_code in (302, 403)
    count = dbq(lambda s: s.execute(select(func.count()).select_from(Discipline)).scalar())
    assert _discipline_form(client, member.id, "KL-04-QĐ/ĐU").status_code in (302, 403)
    assert dbq(lambda s: s.execute(select(func.count()).select_from(Discipline)).scalar()) == count


def test_a_member_is_refused_the_discipline_screen(rated):
    """Does a member get 403 on the discipline screen?"""
    assert rated.client.get("/admin/discipline/").status_code == 403
    assert rated.client.get("/admin/discipline/new/").status_code == 403
