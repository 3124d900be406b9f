"""Study's points you can trust: the monthly topic, the ledger's manual awards and corrections, the points
page, branch leaderboards, and study's figures in the monthly statistics and the yearly rating."""
import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import func, select

from handbook.clock import local_now, utcnow, year_bounds
from handbook.extensions import db
from handbook.ratings.evidence import refresh_evidence, rule_set_of
from handbook.ratings.files import rating_xlsx
from handbook.ratings.operations import open_year
from handbook.ratings.sheet import rating_sheet
from handbook.reports.files import monthly_xlsx
from handbook.reports.models import MonthlyStatistics
from handbook.reports.statistics import compute_month, month_report
from handbook.study.models import LeaderboardSetting, PointEntry, PointRule, QuizAttempt, TopicRead
from handbook.study.operations import (LedgerError, branch_leaderboard, correct_entry, manual_award, member_total,
                                       points_by_source)
from study_support import make_category, make_questions, make_quiz, make_topic
from support import csrf_token, logged_in_client


@pytest.fixture
def commune(make, tree, rollback_db):
    """A commune C → G → branch B (members An, Bình, Chi, Dũng; Dũng has left the Party) with a member
    account for An, and another commune's member; rolled back after each test."""
    c = {"C": make.org(tree["P"], "committee", "Huyện Học Tập")}
    c["G"] = make.org(c["C"], "grassroots", "Đảng bộ xã Học Tập")
    c["B"] = make.org(c["G"], "branch", "Chi bộ thôn Học Tập")
    for key, name in (("an", "Nguyễn Văn An"), ("binh", "Trần Thị Bình"), ("chi", "Lê Thị Chi")):
        c[key] = make.member(c["B"], name)
    c["dung"] = make.member(c["B"], "Phạm Văn Dũng", status="expelled")
    c["an_user"] = make.user("member", c["B"], c["an"])
    c["committee"] = make.user("committee", c["C"])
    c["other"] = make.member(tree["B3"], "Đỗ Văn Ngoài")
    c["other_user"] = make.user("member", tree["B3"], c["other"])
    return c


def _entries(app, member_id):
    with app.app_context():
        return db.session.execute(select(PointEntry).where(PointEntry.member_id == member_id)
                                  .order_by(PointEntry.id)).scalars().all()


# -- the monthly topic ------------------------------------------------------------------------------
def test_studying_the_topic_of_the_month_awards_its_points_once(app, commune):
    """Does "Tôi đã học chuyên đề này" record the member once and award the topic's points once, however
    often it is pressed, and does the topic appear as the month's on the topics list?"""
    topic = make_topic(app, commune["C"], "Học tập tư tưởng Hồ Chí Minh về đạo đức cách mạng", points=4)
    client = logged_in_client(app, commune["an_user"])
    page = client.get("/study/topics/")
    assert "Học tập tư tưởng Hồ Chí Minh về đạo đức cách mạng" in page.get_data(as_text=True)
    html = client.get(f"/study/topics/{topic.id}").get_data(as_text=True)
    assert 'data-testid="mark-studied"' in html and "+4 điểm" in html
    token = csrf_token(client, f"/study/topics/{topic.id}")
    for _ in range(3):
        assert client.post(f"/study/topics/{topic.id}/studied", data={"csrf_token": token}).status_code == 302
    entries = _entries(app, commune["an"].id)
    assert [(e.source, e.reference, e.points) for e in entries] == [("topic", f"topic:{topic.id}", 4)]
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(TopicRead)
                                  .where(TopicRead.member_id == commune["an"].id)).scalar() == 1
    assert 'data-testid="studied-state"' in client.get(f"/study/topics/{topic.id}").get_data(as_text=True)
    assert client.post(f"/study/topics/{topic.id}/studied").status_code == 400  # no CSRF token


def test_a_topic_outside_the_members_audience_or_unpublished_is_404(app, commune):
    """Does a member of another commune, or anyone before publication, get 404 on a topic and its button?"""
    topic = make_topic(app, commune["C"])
    draft = make_topic(app, commune["C"], status="draft")
    later = make_topic(app, commune["C"], published_at=utcnow() + timedelta(days=2))
    other = logged_in_client(app, commune["other_user"])
    assert other.get(f"/study/topics/{topic.id}").status_code == 404
    token = csrf_token(other, "/study/topics/")
    assert other.post(f"/study/topics/{topic.id}/studied", data={"csrf_token": token}).status_code == 404
    assert "Chuyên đề thử" not in other.get("/study/topics/").get_data(as_text=True)
    own = logged_in_client(app, commune["an_user"])
    assert own.get(f"/study/topics/{draft.id}").status_code == 404
    assert own.get(f"/study/topics/{later.id}").status_code == 404
    assert _entries(app, commune["other"].id) == []


def test_daily_caps_hold_for_topics(app, commune):
    """With a cap of 5 topic points a day, do three topics of 3 points studied on one day give 5, and the
    next day's topic its full points?"""
    with app.app_context():
        rule = db.session.execute(select(PointRule).where(PointRule.source == "topic")).scalar_one_or_none()
        if rule is None:
            rule = PointRule(source="topic")
            db.session.add(rule)
        rule.daily_cap = 5
        db.session.commit()
    from handbook.study.operations import study_topic
    from handbook.study.models import StudyTopic

    topics = [make_topic(app, commune["C"], points=3) for _ in range(4)]
    today = utcnow()
    with app.app_context():
        awarded = [study_topic(db.session, commune["an"].id, db.session.get(StudyTopic, t.id), today)[1]
                   for t in topics[:3]]
        awarded.append(study_topic(db.session, commune["an"].id, db.session.get(StudyTopic, topics[3].id),
                                   today + timedelta(days=1))[1])
        db.session.commit()
    assert awarded == [3, 2, 0, 3]


# -- the ledger ---------------------------------------------------------------------------------
def test_manual_awards_and_corrections_are_new_entries_and_totals_stay_the_ledgers_sum(app, commune):
    """Is a committee's award an entry with its reason and author, a correction a new negative entry
    (never an edit), a second correction refused, and every total the sum of the ledger?"""
    member_id = commune["an"].id
    with app.app_context():
        s = db.session
        award = manual_award(s, member_id, 10, "Tích cực tuyên truyền Nghị quyết", commune["committee"].id)
        other = manual_award(s, member_id, 5, "Dự hội nghị học tập chuyên đề", commune["committee"].id)
        correction = correct_entry(s, award, "Cộng nhầm người", commune["committee"].id)
        partial = correct_entry(s, other, "Chỉ dự nửa buổi", commune["committee"].id, points=2)
        for bad in (lambda: correct_entry(s, award, "Lần nữa", None),
                    lambda: correct_entry(s, correction, "Điều chỉnh điều chỉnh", None),
                    lambda: correct_entry(s, other, "Trừ quá số đã cộng", None, points=4),
                    lambda: manual_award(s, member_id, 0, "Không điểm", None),
                    lambda: manual_award(s, member_id, 51, "Quá nhiều điểm", None),
                    lambda: manual_award(s, member_id, 3, "  ", None)):
            with pytest.raises(LedgerError):
                with s.begin_nested():
                    bad()
        s.commit()
        assert (award.points, award.note, award.created_by_id) == (10, "Tích cực tuyên truyền Nghị quyết",
                                                                   commune["committee"].id)
        assert (correction.points, correction.reference) == (-10, f"correction:{award.id}")
        assert partial.points == -2
        rows = s.execute(select(PointEntry.points).where(PointEntry.member_id == member_id)).scalars().all()
        assert member_total(s, member_id) == sum(rows) == 3
        assert points_by_source(s, member_id, local_now().year) == {"manual": 15, "correction": -12}


def test_the_points_page_shows_the_year_by_source_and_the_way_to_the_target(app, commune):
    """Does "Điểm của tôi" show this year's total (the ledger's sum), each source, the entries with their
    reasons, and how many points are left to 100?"""
    member_id = commune["an"].id
    with app.app_context():
        s = db.session
        s.add(PointEntry(member_id=member_id, source="read", reference="document:1", points=4))
        s.add(PointEntry(member_id=member_id, source="quiz", reference="quiz:1:attempt:1", points=8))
        last_year = year_bounds(local_now().year)[0] - timedelta(days=3)
        s.add(PointEntry(member_id=member_id, source="read", reference="document:2", points=50, created_at=last_year))
        manual_award(s, member_id, 6, "Gương mẫu trong phong trào", commune["committee"].id)
        s.commit()
    html = logged_in_client(app, commune["an_user"]).get("/study/points").get_data(as_text=True)
    assert 'data-testid="points-year">18<' in html
    assert "Còn 82 điểm để đạt chỉ tiêu 100 điểm." in html
    assert "Đọc tài liệu, tin tức</dt><dd>4" in html and "Bài thi trắc nghiệm</dt><dd>8" in html
    assert "Gương mẫu trong phong trào" in html


# -- leaderboards -------------------------------------------------------------------------------
def _give(app, member, points, when, ref):
    with app.app_context():
        db.session.add(PointEntry(member_id=member.id, source="manual", reference=ref, points=points, created_at=when))
        db.session.commit()


def test_leaderboard_ties_break_by_who_reached_the_total_first_then_by_name(app, commune):
    """With An and Bình at 10 points, An reaching them later, and Chi at none: is Bình first, An second and
    Chi third, and is Dũng, who left the Party, not on the board?"""
    now = utcnow()
    _give(app, commune["an"], 10, now - timedelta(hours=1), "tie-a")
    _give(app, commune["binh"], 4, now - timedelta(hours=5), "tie-b1")
    _give(app, commune["binh"], 6, now - timedelta(hours=3), "tie-b2")
    _give(app, commune["dung"], 50, now - timedelta(hours=3), "tie-d")
    with app.app_context():
        board = branch_leaderboard(db.session, commune["B"].id, local_now().year)
    assert [(s.rank, s.full_name, s.points) for s in board] == [
        (1, "Trần Thị Bình", 10), (2, "Nguyễn Văn An", 10), (3, "Lê Thị Chi", 0)]
    # Chi reaches 10 at the very moment Bình did: the names decide, the Vietnamese way (by the given
    # name first: Bình before Chi); An, who reached 10 later, stays behind both.
    _give(app, commune["chi"], 10, now - timedelta(hours=3), "tie-c")
    with app.app_context():
        board = branch_leaderboard(db.session, commune["B"].id, local_now().year)
    assert [(s.rank, s.full_name) for s in board] == [(1, "Trần Thị Bình"), (2, "Lê Thị Chi"), (3, "Nguyễn Văn An")]
    page = logged_in_client(app, commune["an_user"]).get("/study/leaderboard").get_data(as_text=True)
    assert 'data-testid="own-total">10<' in page and 'data-testid="own-rank">3<' in page
    assert "người đạt số điểm đó sớm hơn xếp trên" in page


def test_a_committee_can_hide_or_freeze_the_boards_below_it_and_members_still_see_their_total(app, commune):
    """Does a hidden board show only the member's own total, and a frozen one count points before its moment?"""
    now = utcnow()
    _give(app, commune["an"], 7, now - timedelta(hours=2), "fz-1")
    _give(app, commune["binh"], 9, now - timedelta(minutes=5), "fz-2")
    client = logged_in_client(app, commune["an_user"])
    with app.app_context():
        db.session.add(LeaderboardSetting(organization_id=commune["C"].id, mode="hidden"))
        db.session.commit()
    page = client.get("/study/leaderboard").get_data(as_text=True)
    assert 'data-testid="board-hidden"' in page and 'data-testid="own-total">7<' in page
    assert "Trần Thị Bình" not in page
    with app.app_context():
        # The branch's own setting is nearer than the commune's: it decides.
        db.session.add(LeaderboardSetting(organization_id=commune["B"].id, mode="frozen", frozen_at=now - timedelta(hours=1)))
        db.session.commit()
    page = client.get("/study/leaderboard").get_data(as_text=True)
    assert 'data-testid="board-frozen"' in page
    standings = page.split('data-testid="standings"')[1]
    assert standings.index("Nguyễn Văn An") < standings.index("Trần Thị Bình")  # Bình's 9 came after the freeze
    assert 'data-testid="own-total">7<' in page


# -- into the reports ---------------------------------------------------------------------------
def _scored_attempt(s, quiz, member, branch, number, correct, count, when, passed):
    attempt = QuizAttempt(quiz_id=quiz.id, member_id=member.id, organization_id=branch.id, number=number,
                          status="submitted", started_at=when - timedelta(minutes=5), deadline=when + timedelta(minutes=5),
                          submitted_at=when, layout=[], answers={}, correct_count=correct, question_count=count,
                          score=round(100 * correct / count, 1), passed=passed, points_awarded=0)
    s.add(attempt)
    return attempt


def test_the_months_statistics_show_quizzes_and_the_topic(app, commune):
    """Do the month's figures count the quizzes finished in the month (average and pass rate over them) and
    the members who studied the month's topic, and does the statistics workbook show them?"""
    category = make_category(app, commune["C"])
    make_questions(app, category, 4)
    quiz = make_quiz(app, commune["C"], [category])
    month = local_now().date().replace(day=1)
    topic = make_topic(app, commune["C"], month=month)
    old_topic = make_topic(app, commune["C"], month=date(2020, 1, 1))
    when = utcnow() - timedelta(minutes=30)
    if local_now().day == 1 and local_now().hour == 0:
        when = utcnow()
    with app.app_context():
        s = db.session
        _scored_attempt(s, quiz, commune["an"], commune["B"], 1, 3, 4, when, True)
        _scored_attempt(s, quiz, commune["an"], commune["B"], 2, 4, 4, when, True)
        _scored_attempt(s, quiz, commune["binh"], commune["B"], 1, 1, 4, when, False)
        s.add(TopicRead(member_id=commune["an"].id, topic_id=topic.id, read_at=when))
        s.add(TopicRead(member_id=commune["binh"].id, topic_id=old_topic.id, read_at=when))  # not this month's topic
        compute_month(s, month)
        s.commit()
        totals = s.execute(select(MonthlyStatistics.totals).where(
            MonthlyStatistics.month == month, MonthlyStatistics.organization_id == commune["B"].id)).scalar_one()
        assert {k: totals.get(k) for k in ("quizzes_taken", "quiz_members", "quiz_correct", "quiz_questions",
                                           "quizzes_passed", "topic_studied", "members")} == {
            "quizzes_taken": 3, "quiz_members": 2, "quiz_correct": 8, "quiz_questions": 12, "quizzes_passed": 2,
            "topic_studied": 1, "members": 3}
        report = month_report(s, month, commune["C"].id)
    out = io.BytesIO()
    monthly_xlsx(report, out)
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    text = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    labels = [row[0] for row in text if row and row[0]]
    assert "Lượt làm bài thi" in labels and "Tỷ lệ bài thi đạt" in labels and "Tỷ lệ học chuyên đề của tháng" in labels
    row = next(r for r in text if r and r[0] == "Lượt làm bài thi")
    assert 3 in row


def test_the_rating_sheet_shows_each_members_quiz_results(app, commune):
    """Does the yearly rating's evidence count each member's quizzes of the year once (best attempt for a
    "best" quiz), the passed ones and the average, and does the rating sheet show them as columns?"""
    year = 2025
    category = make_category(app, commune["C"])
    make_questions(app, category, 4)
    start, end = year_bounds(year)
    best = make_quiz(app, commune["C"], [category], opens_at=start, closes_at=end, counting="best", pass_mark=60)
    first = make_quiz(app, commune["C"], [category], opens_at=start, closes_at=end, counting="first", pass_mark=60)
    when = datetime(year, 6, 10, 3)
    with app.app_context():
        s = db.session
        _scored_attempt(s, best, commune["an"], commune["B"], 1, 1, 4, when, False)
        _scored_attempt(s, best, commune["an"], commune["B"], 2, 4, 4, when + timedelta(days=1), True)
        _scored_attempt(s, first, commune["an"], commune["B"], 1, 2, 4, when, False)
        _scored_attempt(s, first, commune["an"], commune["B"], 2, 4, 4, when + timedelta(days=1), True)
        s.commit()
        rule_set = rule_set_of(s, year)
        open_year(s, rule_set, s.get(type(commune["G"]), commune["G"].id), now=when)
        refresh_evidence(s, year, commune["G"].path, now=datetime(year, 12, 31))
        s.commit()
        sheet = rating_sheet(s, commune["G"].id, year)
        out = io.BytesIO()
        rating_xlsx(sheet, out)
    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header_index = next(i for i, r in enumerate(rows) if r and "Bài thi đạt" in r)
    header = rows[header_index]
    an = next(r for r in rows[header_index + 1:] if r and "Nguyễn Văn An" in r)
    assert an[header.index("Bài thi đã làm")] == 2
    assert an[header.index("Bài thi đạt")] == 1  # the best quiz's 100 %; the first quiz counts its 50 %
    assert an[header.index("Điểm bình quân bài thi")] == pytest.approx(0.75)
