"""Quiz statistics: a quiz's figures over the attempts of the members in the user's scope."""
import io
import re
from datetime import timedelta

import openpyxl
import pytest

from handbook.clock import utcnow
from handbook.extensions import db
from handbook.scope import Scope
from handbook.study import statistics
from handbook.study.models import PointEntry, QuizAnswer, QuizAttempt
from study_support import make_category, make_questions, make_quiz


# -- row factories ----------------------------------------------------------------------------------
def make_attempt(app, quiz, member, questions, right, number=1, status="submitted"):
    """A scored attempt of ``member`` at ``quiz`` as rows (score = share of ``right``, passed by the quiz's
    pass mark), its QuizAnswer rows and its ledger entry; returns its id."""
    score = 100.0 * sum(right) / len(right)
    points = round(quiz.points * score / 100)
    now = utcnow()
    with app.app_context():
        attempt = QuizAttempt(
            quiz_id=quiz.id, member_id=member.id, organization_id=member.organization_id, number=number,
            status=status, started_at=now - timedelta(minutes=5), deadline=now + timedelta(minutes=5),
            submitted_at=None if status == "open" else now, question_count=len(questions),
            layout=[[q.id, [0, 1, 2, 3]] for q in questions], answers={},
            correct_count=sum(right), score=score, passed=score >= quiz.pass_mark, points_awarded=points)
        db.session.add(attempt)
        db.session.flush()
        db.session.add_all(QuizAnswer(attempt_id=attempt.id, question_id=q.id, correct=ok) for q, ok in zip(questions, right))
        if points:
            db.session.add(PointEntry(member_id=member.id, source="quiz", points=points,
                                      reference=f"quiz:{quiz.id}:attempt:{attempt.id}", created_at=now))
        db.session.commit()
        return attempt.id


@pytest.fixture
def dataset(app, make, tree):
    """A province quiz of three questions (pass mark 50 %, 9 points) taken five times:

    ============  ======  =========  =====  ======
    member        branch  right      score  passed
    ============  ======  =========  =====  ======
    B1.m1 (1st)   B1      q1         33.3   no
    B1.m1 (2nd)   B1      q1 q2 q3   100    yes
    B2.m1         B2      q1 q3      66.7   yes
    B3.m1         B3      q3         33.3   no
    B1.m2         B1      q1         33.3   no
    ============  ======  =========  =====  ======

    plus an open attempt (not counted) and an attempt at another quiz."""
    category = make_category(app, tree["P"])
    questions = make_questions(app, category, 3)
    quiz = make_quiz(app, tree["P"], [category], title="Thi tìm hiểu Điều lệ Đảng", points=9, pass_mark=50)
    other = make_quiz(app, tree["P"], [category], title="Bài thi khác")
    q1, q2, q3 = questions
    m1, m2 = make.member(tree["B1"], "Thống Kê Một"), make.member(tree["B1"], "Thống Kê Năm")
    b2, b3 = make.member(tree["B2"], "Thống Kê Hai"), make.member(tree["B3"], "Thống Kê Ba")
    make_attempt(app, quiz, m1, questions, [True, False, False])
    make_attempt(app, quiz, m1, questions, [True, True, True], number=2)
    make_attempt(app, quiz, b2, questions, [True, False, True])
    make_attempt(app, quiz, b3, questions, [False, False, True])
    make_attempt(app, quiz, m2, questions, [True, False, False])
    make_attempt(app, quiz, b2, questions, [False, False, False], number=2, status="open")
    make_attempt(app, other, b3, questions, [True, True, True])
    return {"quiz": quiz, "other": other, "questions": questions, "q1": q1, "q2": q2, "q3": q3}


def scope_of(user, tree):
    """The managing scope of a test account (its organization found in the tree)."""
    org = next(o for o in (tree[k] for k in ("P", "C1", "C2", "G1", "G2", "B1", "B2", "B3")) if o.id == user.organization_id)
    return Scope(role=user.role, org_path=org.path, user_id=user.id, member_id=user.member_id)


def test_summary_counts_finished_attempts_in_scope(app, tree, dataset, dbq):
    """For the province, are there 5 attempts by 4 members, an average of 53.3 %, and 2 of 4 members passed;
    for committee C1 4 attempts by 3 members, 58.3 %, 2 of 3 passed?"""
    quiz = dataset["quiz"]
    province = dbq(lambda s: statistics.quiz_summary(s, quiz.id, scope_of(tree["admin"], tree)))
    assert province["attempts"] == 5 and province["members"] == 4 and province["passed"] == 2
    assert province["average"] == pytest.approx((100 / 3 * 3 + 100 + 200 / 3) / 5)
    assert province["pass_rate"] == pytest.approx(0.5)
    assert province["points"] == 3 + 9 + 6 + 3 + 3
    district = dbq(lambda s: statistics.quiz_summary(s, quiz.id, scope_of(tree["committee"], tree)))
    assert (district["attempts"], district["members"], district["passed"]) == (4, 3, 2)
    assert district["average"] == pytest.approx((100 / 3 * 2 + 100 + 200 / 3) / 4)
    assert district["pass_rate"] == pytest.approx(2 / 3)


def test_hardest_questions_first(app, tree, dataset, dbq):
    """Are the questions ordered hardest first (q2 right 1 in 5, q3 3 in 5, q1 4 in 5), and left out under the minimum of answers?"""
    quiz, q1, q2, q3 = dataset["quiz"], dataset["q1"], dataset["q2"], dataset["q3"]
    rows = dbq(lambda s: statistics.hardest_questions(s, quiz.id, scope_of(tree["admin"], tree)))
    assert [(r["question_id"], r["right"], r["answers"]) for r in rows] == [(q2.id, 1, 5), (q3.id, 3, 5), (q1.id, 4, 5)]
    assert rows[0]["share"] == pytest.approx(0.2) and rows[0]["text"] == q2.text
    # Committee C1 counts four answers a question: fewer than the minimum of five.
    assert dbq(lambda s: statistics.hardest_questions(s, quiz.id, scope_of(tree["committee"], tree))) == []


def test_by_organization_rolls_each_child_up(app, tree, dataset, dbq):
    """Does the province's table give committee C1 (4 attempts, 3 members, 58.3 %, 2 of 3 passed) and C2 (1, 1, 33.3 %, none)?"""
    rows = dbq(lambda s: statistics.by_organization(s, dataset["quiz"].id, scope_of(tree["admin"], tree)))
    by_id = {row["organization_id"]: row for row in rows}
    c1, c2 = by_id[tree["C1"].id], by_id[tree["C2"].id]
    assert (c1["attempts"], c1["members"], c1["passed"]) == (4, 3, 2)
    assert c1["average"] == pytest.approx(175 / 3 * 1.0) and c1["pass_rate"] == pytest.approx(2 / 3)
    assert (c2["attempts"], c2["members"], c2["passed"], c2["pass_rate"]) == (1, 1, 0, 0)
    assert c2["average"] == pytest.approx(100 / 3)
    # The commune G1 of committee C1: its branches B1 (3 attempts by 2 members) and B2 (1 by 1).
    commune = Scope(role="committee", org_path=tree["G1"].path)
    rows = dbq(lambda s: statistics.by_organization(s, dataset["quiz"].id, commune))
    by_id = {row["organization_id"]: row for row in rows}
    assert (by_id[tree["B1"].id]["attempts"], by_id[tree["B1"].id]["members"]) == (3, 2)
    assert (by_id[tree["B2"].id]["attempts"], by_id[tree["B2"].id]["members"]) == (1, 1)
    # A branch secretary has nothing below (other tests may hang organizations of their own under B1,
    # without attempts): the branch's own members are the one row with attempts.
    branch = dbq(lambda s: statistics.by_organization(s, dataset["quiz"].id, scope_of(tree["secretary"], tree)))
    assert [(r["organization_id"], r["own"], r["attempts"]) for r in branch if r["attempts"]] == [(tree["B1"].id, True, 3)]


def test_statistics_page_shows_the_figures(app, client, auth, tree, dataset):
    """Does committee C1's page show 4 attempts, 3 members, 58,3 % and 66,7 %, and the commune G1's row?"""
    auth.login(tree["committee"])
    page = client.get(f"/admin/quiz_statistics/?quiz_id={dataset['quiz'].id}").get_data(as_text=True)
    assert 'data-testid="summary-attempts">4<' in page and 'data-testid="summary-members">3<' in page
    assert 'data-testid="summary-average">58,3%<' in page and 'data-testid="summary-pass-rate">66,7%<' in page
    row = re.search(rf'data-testid="org-{tree["G1"].id}">(.*?)</tr>', page, re.S).group(1)
    assert [c.strip() for c in re.findall(r">([^<>]*)</td>", row)] == ["Đảng bộ xã Một", "4", "3", "58,3%", "66,7%"]
    index = client.get("/admin/quiz_statistics/").get_data(as_text=True)
    assert f'data-testid="attempts-{dataset["quiz"].id}">4<' in index
    assert f'data-testid="attempts-{dataset["other"].id}">0<' in index


def test_a_commune_sees_its_own_members_only(app, client, auth, make, tree, dataset):
    """Does the commune G2's committee see the province quiz with only its own member's one attempt?"""
    commune = make.user("committee", tree["G2"])
    auth.login(commune)
    page = client.get(f"/admin/quiz_statistics/?quiz_id={dataset['quiz'].id}").get_data(as_text=True)
    assert 'data-testid="summary-attempts">1<' in page and 'data-testid="summary-members">1<' in page
    assert 'data-testid="summary-pass-rate">0,0%<' in page


def test_another_communes_quiz_is_404(app, client, auth, make, tree):
    """Is a quiz published by commune G2 a 404 for commune G1's committee, and for a bad id?"""
    category = make_category(app, tree["G2"])
    make_questions(app, category, 3)
    quiz = make_quiz(app, tree["G2"], [category], title="Bài thi riêng xã Hai")
    auth.login(make.user("committee", tree["G1"]))
    assert client.get(f"/admin/quiz_statistics/?quiz_id={quiz.id}").status_code == 404
    assert client.get(f"/admin/quiz_statistics/export/?quiz_id={quiz.id}").status_code == 404
    assert client.get("/admin/quiz_statistics/?quiz_id=abc").status_code == 404
    assert "Bài thi riêng xã Hai" not in client.get("/admin/quiz_statistics/").get_data(as_text=True)


def test_members_may_not_see_statistics(client, auth, tree, dataset):
    """Is a member refused the statistics (403)?"""
    auth.login(tree["member"])
    assert client.get(f"/admin/quiz_statistics/?quiz_id={dataset['quiz'].id}").status_code == 403


def test_by_organization_export(app, client, auth, tree, dataset):
    """Does the xlsx of the table name its columns in Vietnamese and give C1's and C2's figures?"""
    auth.login(tree["admin"])
    response = client.get(f"/admin/quiz_statistics/export/?quiz_id={dataset['quiz'].id}")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows.index(next(r for r in rows if r[0] == "Mã tổ chức"))
    assert rows[header] == ["Mã tổ chức", "Tổ chức", "Lượt làm bài", "Đảng viên đã làm", "Điểm trung bình (%)",
                            "Đảng viên đạt", "Tỷ lệ đạt (%)", "Điểm tích lũy đã cộng"]
    by_code = {r[0]: r for r in rows[header + 1:]}
    assert by_code[tree["C1"].code][2:] == [4, 3, 58.3, 2, 66.7, 21]
    assert by_code[tree["C2"].code][2:] == [1, 1, 33.3, 0, 0, 3]
