"""Quizzes: an attempt drawn on the server, answers kept as they are chosen, scored once however often it
is sent, points by the quiz's counting rule under the daily cap, and nothing that gives the answers away."""
import json
import re
import threading
import urllib.error
import urllib.request
from datetime import timedelta

from sqlalchemy import func, select, update

from handbook.clock import utcnow
from handbook.extensions import db
from handbook.study import quizzes
from handbook.study.jobs import close_expired_attempts
from handbook.study.models import PointEntry, PointRule, Quiz, QuizAnswer, QuizAttempt, QuizQuestion
from study_support import make_category, make_questions, make_quiz, make_topic
from support import count_queries, csrf_token, logged_in_client

ALREADY = "Bài làm này đã được nộp."


# -- helpers ---------------------------------------------------------------------------------------
def _member(app, make, branch, name=None):
    """A new member of ``branch`` with an account, and a browser logged in as them."""
    member = make.member(branch, name)
    user = make.user("member", branch, member)
    return member, user, logged_in_client(app, user)


def _bank(app, org, count=5, kind="single"):
    """A category of ``org`` with ``count`` questions."""
    category = make_category(app, org)
    make_questions(app, category, count, kind)
    return category


def _start(client, quiz):
    """Press "Làm bài" on the quiz page; the attempt's id (from the page it leads to)."""
    token = csrf_token(client, f"/study/quizzes/{quiz.id}")
    response = client.post(f"/study/quizzes/{quiz.id}/start", data={"csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.search(r"/study/attempts/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def _attempt(dbq, attempt_id):
    """The attempt as stored now, detached."""
    def read(session):
        """The attempt, detached."""
        attempt = session.get(QuizAttempt, attempt_id)
        session.expunge(attempt)
        return attempt
    return dbq(read)


def _right(dbq, attempt_id):
    """The right answers of an attempt as its page numbers them: {"<position>": [option positions]}."""
    def read(session):
        """The right positions, question by question."""
        attempt = session.get(QuizAttempt, attempt_id)
        right = {}
        for position, (question_id, order) in enumerate(attempt.layout):
            options = session.get(QuizQuestion, question_id).options
            right[str(position)] = [p for p, i in enumerate(order) if options[i]["correct"]]
        return right
    return dbq(read)


def _wrong(right):
    """Answers that get every question wrong."""
    return {key: [0 if positions != [0] else 1] for key, positions in right.items()}


def _mixed(right, how_many_right):
    """Answers with the first ``how_many_right`` questions right and the others wrong."""
    wrong = _wrong(right)
    return {key: (right[key] if int(key) < how_many_right else wrong[key]) for key in right}


def _token(client, attempt_id):
    """The CSRF token of the attempt page (the script sends it in the X-CSRFToken header)."""
    return csrf_token(client, f"/study/attempts/{attempt_id}")


def _post_json(client, url, body, token):
    """POST ``body`` as JSON the way quiz.js does."""
    return client.post(url, data=json.dumps(body), content_type="application/json",
                       headers={"X-CSRFToken": token, "Accept": "application/json"})


def _submit(client, attempt_id, answers):
    """Hand in ``answers`` as quiz.js would; the response."""
    return _post_json(client, f"/study/attempts/{attempt_id}/submit", {"answers": answers}, _token(client, attempt_id))


def _ledger(dbq, member_id):
    """The member's quiz ledger entries: [(reference, points)]."""
    return dbq(lambda s: s.execute(select(PointEntry.reference, PointEntry.points).where(
        PointEntry.member_id == member_id, PointEntry.source == "quiz").order_by(PointEntry.id)).all())


def _expire(dbq, attempt_id, ago=timedelta(minutes=2)):
    """Move the attempt's deadline ``ago`` into the past (its time ran out without a submission)."""
    def move(session):
        """Set the deadline back and commit."""
        session.execute(update(QuizAttempt).where(QuizAttempt.id == attempt_id).values(deadline=utcnow() - ago))
        session.commit()
    dbq(move)


# -- scoring once ----------------------------------------------------------------------------------
def test_ten_concurrent_submissions_score_once(app, make, tree, dbq, live_server):
    """Ten "Nộp bài" of one attempt sent at the same instant: is it scored once (one success, nine
    "Bài làm này đã được nộp." with 409), with one set of answer rows and one ledger entry?"""
    quiz = make_quiz(app, tree["P"], [_bank(app, tree["P"])], points=9)
    member, _user, client = _member(app, make, tree["B1"])
    attempt_id = _start(client, quiz)
    right = _right(dbq, attempt_id)
    token = _token(client, attempt_id)
    cookie = f"session={client.get_cookie('session').value}"
    body = json.dumps({"answers": right}).encode()
    start = threading.Barrier(10)
    results, errors = [], []

    def press():
        """Send one submission when all ten are ready."""
        request = urllib.request.Request(
            f"{live_server}/study/attempts/{attempt_id}/submit", data=body, method="POST",
            headers={"Cookie": cookie, "Accept": "application/json", "Content-Type": "application/json",
                     "X-CSRFToken": token})
        start.wait(timeout=10)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                results.append((response.status, json.loads(response.read())))
        except urllib.error.HTTPError as exc:
            results.append((exc.code, json.loads(exc.read())))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=press) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(status for status, _body in results) == [200] + [409] * 9
    assert [body["score"] for status, body in results if status == 200] == [100.0]
    assert {body["error"] for status, body in results if status == 409} == {ALREADY}
    assert dbq(lambda s: s.scalar(select(func.count()).select_from(QuizAnswer).where(
        QuizAnswer.attempt_id == attempt_id))) == 3
    assert _ledger(dbq, member.id) == [(f"quiz:{quiz.id}:attempt:{attempt_id}", 9)]
    assert _attempt(dbq, attempt_id).points_awarded == 9


def test_a_late_submission_is_refused_and_scored_on_what_was_saved(app, make, tree, dbq):
    """After the deadline and its 30 s of grace, is a submission refused (409, "Đã hết giờ làm bài") and the
    attempt closed as "expired", scored on the answers saved in time, not on those sent late?"""
    quiz = make_quiz(app, tree["P"], [_bank(app, tree["P"])], points=9)
    member, _user, client = _member(app, make, tree["B1"])
    attempt_id = _start(client, quiz)
    right = _right(dbq, attempt_id)
    token = _token(client, attempt_id)
    saved = _post_json(client, f"/study/attempts/{attempt_id}/answers", {"answers": _mixed(right, 1)}, token)
    assert saved.status_code == 200 and saved.get_json()["answered"] == 3
    _expire(dbq, attempt_id, ago=quizzes.GRACE + timedelta(seconds=5))

    late = _post_json(client, f"/study/attempts/{attempt_id}/submit", {"answers": right}, token)
    assert late.status_code == 409
    assert late.get_json()["error"].startswith("Đã hết giờ làm bài")
    attempt = _attempt(dbq, attempt_id)
    assert (attempt.status, attempt.correct_count, attempt.points_awarded) == ("expired", 1, 3)
    assert _ledger(dbq, member.id) == [(f"quiz:{quiz.id}:attempt:{attempt_id}", 3)]
    page = client.get(f"/study/attempts/{attempt_id}").get_data(as_text=True)
    assert "Hết giờ (tự nộp)" in page and "33,3/100" in page


def test_a_submission_within_the_grace_is_taken(app, make, tree, dbq):
    """Ten seconds after the deadline (the network was slow), is the submission still scored?"""
    quiz = make_quiz(app, tree["P"], [_bank(app, tree["P"])])
    _member_row, _user, client = _member(app, make, tree["B1"])
    attempt_id = _start(client, quiz)
    right = _right(dbq, attempt_id)
    _expire(dbq, attempt_id, ago=timedelta(seconds=10))
    response = _submit(client, attempt_id, right)
    assert response.status_code == 200 and response.get_json()["score"] == 100.0


def test_the_job_closes_an_abandoned_attempt_and_awards_it_once(app, make, tree, dbq):
    """An attempt left open past its deadline: does the job score it on its saved answers as "expired",
    award its points once, and find nothing to do the second time?"""
    quiz = make_quiz(app, tree["P"], [_bank(app, tree["P"])], points=9)
    member, _user, client = _member(app, make, tree["B2"])
    attempt_id = _start(client, quiz)
    right = _right(dbq, attempt_id)
    _post_json(client, f"/study/attempts/{attempt_id}/answers", {"answers": _mixed(right, 2)}, _token(client, attempt_id))
    _expire(dbq, attempt_id)

    def run(session):
        """Run the job once and commit."""
        result = close_expired_attempts(session, utcnow())
        session.commit()
        return result

    assert dbq(run)["closed"] >= 1
    assert dbq(run) == {"closed": 0}
    attempt = _attempt(dbq, attempt_id)
    assert (attempt.status, attempt.correct_count, attempt.points_awarded) == ("expired", 2, 6)
    assert _ledger(dbq, member.id) == [(f"quiz:{quiz.id}:attempt:{attempt_id}", 6)]
    assert client.get(f"/study/attempts/{attempt_id}").status_code == 200


def test_the_close_job_is_registered(app):
    """Is the job that closes attempts every five minutes among the app's jobs?"""
    from handbook.registry import registry

    job = registry(app).jobs["close-attempts"]
    assert job.label == "Đóng bài thi quá giờ" and job.cron == {"minute": "*/5"} and job.period is None


# -- nothing gives the answers away ---------------------------------------------------------------
def test_no_page_or_json_tells_the_correct_option(app, make, tree, dbq):
    """Do the quiz page, the attempt page and every JSON the page loads say nothing that tells the
    correct option from the others: no "correct" anywhere, every option drawn alike, no explanation?"""
    category = make_category(app, tree["P"])
    make_questions(app, category, 3)
    quiz = make_quiz(app, tree["P"], [category], title="Bài thi kín đáp án")
    _member_row, _user, client = _member(app, make, tree["B1"])
    quiz_page = client.get(f"/study/quizzes/{quiz.id}").get_data(as_text=True)
    attempt_id = _start(client, quiz)
    page = client.get(f"/study/attempts/{attempt_id}").get_data(as_text=True)
    for html in (quiz_page, page):
        assert "correct" not in html.lower() and "Giải thích" not in html and "explanation" not in html.lower()
    right = _right(dbq, attempt_id)
    options = re.findall(r'<label class="option">(<input [^>]*>) <span>([^<]*)</span></label>', page)
    assert len(options) == 12
    # Every option's input is the same but for its position: the right one is not marked.
    shapes = {re.sub(r'value="\d"', "", re.sub(r'name="q\d"', "", tag)) for tag, _text in options}
    assert shapes == {'<input type="radio"  >'}
    texts = [text for _tag, text in options]
    assert all(text.startswith("Phương án ") for text in texts)
    # The bank's option A is the right one: the attempt's own order moves it, and only the layout knows where.
    assert set(right) == {"0", "1", "2"}

    token = _token(client, attempt_id)
    saved = _post_json(client, f"/study/attempts/{attempt_id}/answers", {"answers": {"0": [0]}}, token)
    assert set(saved.get_json()) == {"saved", "answered", "seconds_left"}
    assert "correct" not in saved.get_data(as_text=True).lower()
    started = client.post(f"/study/quizzes/{quiz.id}/start", headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert set(started.get_json()) == {"url"}
    bad = _post_json(client, f"/study/attempts/{attempt_id}/answers", {"answers": {"9": [0]}}, token)
    assert set(bad.get_json()) == {"error"}
    # The options come in the attempt's own order, not the bank's (where the right one is first).
    assert any(order != [0, 1, 2, 3] for _question, order in _attempt(dbq, attempt_id).layout)
    done = _post_json(client, f"/study/attempts/{attempt_id}/submit", {"answers": {}}, token)
    assert set(done.get_json()) == {"status", "score", "passed", "points", "url"}
    assert "correct" not in done.get_data(as_text=True).lower()


def test_the_review_shows_answers_only_when_the_quiz_allows(app, make, tree, dbq):
    """After handing in, does the result page show the right options and explanations when the quiz
    allows a review, and only the score when it does not?"""
    open_quiz = make_quiz(app, tree["P"], [_bank(app, tree["P"])], show_review=True)
    closed_quiz = make_quiz(app, tree["P"], [_bank(app, tree["P"])], show_review=False)
    _member_row, _user, client = _member(app, make, tree["B1"])
    for quiz, shown in ((open_quiz, True), (closed_quiz, False)):
        attempt_id = _start(client, quiz)
        right = _right(dbq, attempt_id)
        assert _submit(client, attempt_id, _mixed(right, 2)).status_code == 200
        page = client.get(f"/study/attempts/{attempt_id}").get_data(as_text=True)
        assert "66,7/100" in page and "đúng 2/3 câu" in page
        assert ("Giải thích câu" in page) is shown
        assert ("Đáp án đúng" in page) is shown


# -- points ----------------------------------------------------------------------------------------
def test_quiz_points_stop_at_the_daily_cap(app, make, tree, dbq):
    """With the quiz cap set to 12 a day, do two full scores of 10-point quizzes earn 10 then 2?"""
    first = make_quiz(app, tree["P"], [_bank(app, tree["P"])], points=10)
    second = make_quiz(app, tree["P"], [_bank(app, tree["P"])], points=10)
    member, _user, client = _member(app, make, tree["B1"])

    def rule(session, cap):
        """Set the quiz cap to ``cap`` (None: remove the rule)."""
        if cap is None:
            session.execute(PointRule.__table__.delete().where(PointRule.source == "quiz"))
        else:
            session.add(PointRule(source="quiz", daily_cap=cap, note="thử"))
        session.commit()

    dbq(lambda s: rule(s, 12))
    try:
        awarded = []
        for quiz in (first, second):
            attempt_id = _start(client, quiz)
            response = _submit(client, attempt_id, _right(dbq, attempt_id))
            awarded.append(response.get_json()["points"])
    finally:
        dbq(lambda s: rule(s, None))
    assert awarded == [10, 2]
    assert sum(points for _ref, points in _ledger(dbq, member.id)) == 12


def test_best_counting_awards_only_the_improvement(app, make, tree, dbq):
    """Counting the best attempt: 1/3 right earns 3, then 3/3 earns the 7 more, then 2/3 earns nothing,
    so the quiz has given 10, its best attempt's worth; and the best attempt is the one counted?"""
    quiz = make_quiz(app, tree["P"], [_bank(app, tree["P"])], counting="best", attempts_allowed=3, points=10)
    member, _user, client = _member(app, make, tree["B1"])
    awarded = []
    for how_many in (1, 3, 2):
        attempt_id = _start(client, quiz)
        awarded.append(_submit(client, attempt_id, _mixed(_right(dbq, attempt_id), how_many)).get_json()["points"])
    assert awarded == [3, 7, 0]
    assert sum(points for _ref, points in _ledger(dbq, member.id)) == 10
    page = client.get(f"/study/quizzes/{quiz.id}").get_data(as_text=True)
    assert re.search(r"Lần 2: 100/100 · đạt · \+7 điểm <span class=\"tag\">được tính</span>", page)
    assert "Bạn đã dùng hết 3 lượt làm bài." in page


def test_first_counting_awards_only_the_first_attempt(app, make, tree, dbq):
    """Counting the first attempt: does 2/3 right earn 7, and a perfect second attempt nothing?"""
    quiz = make_quiz(app, tree["P"], [_bank(app, tree["P"])], counting="first", attempts_allowed=2, points=10)
    member, _user, client = _member(app, make, tree["B1"])
    awarded = []
    for how_many in (2, 3):
        attempt_id = _start(client, quiz)
        awarded.append(_submit(client, attempt_id, _mixed(_right(dbq, attempt_id), how_many)).get_json()["points"])
    assert awarded == [7, 0]
    page = client.get(f"/study/quizzes/{quiz.id}").get_data(as_text=True)
    assert re.search(r"Lần 1: 66,7/100 · đạt · \+7 điểm <span class=\"tag\">được tính</span>", page)


def test_a_multiple_choice_question_is_right_only_with_exactly_the_right_set(app, make, tree, dbq):
    """For "several right answers" questions, is choosing one of the two right options, or both plus a
    wrong one, scored wrong, and exactly both scored right?"""
    quiz = make_quiz(app, tree["P"], [_bank(app, tree["P"], kind="multiple")], points=10)
    _member_row, _user, client = _member(app, make, tree["B1"])
    attempt_id = _start(client, quiz)
    assert client.get(f"/study/attempts/{attempt_id}").get_data(as_text=True).count('type="checkbox"') == 12
    right = _right(dbq, attempt_id)
    assert all(len(positions) == 2 for positions in right.values())
    extra = next(p for p in range(4) if p not in right["1"])
    answers = {"0": right["0"], "1": sorted(right["1"] + [extra]), "2": right["2"][:1]}
    response = _submit(client, attempt_id, answers)
    assert response.get_json()["score"] == 33.3


# -- starting, resuming, limits -------------------------------------------------------------------
def test_starting_again_resumes_the_same_attempt_with_its_choices(app, make, tree, dbq):
    """A reload or a second "Làm bài" while an attempt is open: is it the same attempt, with the same
    questions in the same order and the saved choice still checked?"""
    quiz = make_quiz(app, tree["P"], [_bank(app, tree["P"], count=8)], attempts_allowed=1)
    _member_row, _user, client = _member(app, make, tree["B1"])
    attempt_id = _start(client, quiz)
    first = client.get(f"/study/attempts/{attempt_id}").get_data(as_text=True)
    _post_json(client, f"/study/attempts/{attempt_id}/answers", {"answers": {"1": [2]}}, _token(client, attempt_id))
    assert _start(client, quiz) == attempt_id
    again = client.get(f"/study/attempts/{attempt_id}").get_data(as_text=True)
    questions = re.compile(r"<legend>.*?</legend>", re.S)
    assert questions.findall(first) == questions.findall(again)
    assert re.search(r'name="q1" value="2" checked', again)
    assert dbq(lambda s: s.scalar(select(func.count(QuizAttempt.id)).where(QuizAttempt.quiz_id == quiz.id))) == 1
    assert "Tiếp tục làm bài" in client.get(f"/study/quizzes/{quiz.id}").get_data(as_text=True)


def test_the_attempts_allowed_are_enforced(app, make, tree, dbq):
    """With one attempt allowed and handed in, is a second start refused with a message, and no attempt made?"""
    quiz = make_quiz(app, tree["P"], [_bank(app, tree["P"])], attempts_allowed=1)
    _member_row, _user, client = _member(app, make, tree["B1"])
    attempt_id = _start(client, quiz)
    _submit(client, attempt_id, {})
    token = csrf_token(client, f"/study/quizzes/{quiz.id}")
    response = client.post(f"/study/quizzes/{quiz.id}/start", data={"csrf_token": token}, follow_redirects=True)
    assert "Bạn đã dùng hết 1 lượt làm bài thi này." in response.get_data(as_text=True)
    assert dbq(lambda s: s.scalar(select(func.count(QuizAttempt.id)).where(QuizAttempt.quiz_id == quiz.id))) == 1


def test_a_double_click_on_start_makes_one_attempt(app, make, tree, dbq):
    """Two starts at the same instant (two tabs, a double tap): is one attempt made and both get it?"""
    quiz = make_quiz(app, tree["P"], [_bank(app, tree["P"])], attempts_allowed=3)
    member = make.member(tree["B2"])
    start = threading.Barrier(2)
    got, errors = [], []

    def press():
        """Start the attempt when both are ready."""
        try:
            with app.app_context():
                quiz_row = db.session.get(Quiz, quiz.id)
                member_row = db.session.get(type(member), member.id)
                start.wait(timeout=10)
                got.append(quizzes.start_attempt(db.session, quiz_row, member_row).id)
                db.session.commit()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=press) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert len(set(got)) == 1
    assert dbq(lambda s: s.scalar(select(func.count(QuizAttempt.id)).where(QuizAttempt.quiz_id == quiz.id))) == 1


def test_a_short_bank_cannot_start(app, make, tree):
    """A quiz asking 5 questions of a bank with 2 active ones: is the start refused with a message?"""
    quiz = make_quiz(app, tree["P"], [_bank(app, tree["P"], count=2)], question_count=5)
    _member_row, _user, client = _member(app, make, tree["B1"])
    token = csrf_token(client, f"/study/quizzes/{quiz.id}")
    response = client.post(f"/study/quizzes/{quiz.id}/start", data={"csrf_token": token}, follow_redirects=True)
    assert "chưa đủ 5 câu" in response.get_data(as_text=True)


# -- who sees what ---------------------------------------------------------------------------------
def test_outside_the_audience_is_404(app, make, tree, dbq):
    """A quiz of committee C1: does a member of C2's commune get 404 on its page and on start, and does
    a member get 404 for someone else's attempt, even to save or submit it?"""
    quiz = make_quiz(app, tree["C1"], [_bank(app, tree["C1"])])
    _inside, _user, client = _member(app, make, tree["B1"])
    attempt_id = _start(client, quiz)
    _outside, _user2, other = _member(app, make, tree["B3"])
    token = csrf_token(other, "/study/")
    assert other.get(f"/study/quizzes/{quiz.id}").status_code == 404
    assert other.post(f"/study/quizzes/{quiz.id}/start", data={"csrf_token": token}).status_code == 404
    assert other.get(f"/study/attempts/{attempt_id}").status_code == 404
    assert _post_json(other, f"/study/attempts/{attempt_id}/answers", {"answers": {}}, token).status_code == 404
    assert _post_json(other, f"/study/attempts/{attempt_id}/submit", {"answers": {}}, token).status_code == 404
    _neighbour, _user3, same_branch = _member(app, make, tree["B1"])
    assert same_branch.get(f"/study/attempts/{attempt_id}").status_code == 404
    assert same_branch.get("/study/attempts/99999999999999999999999").status_code == 404
    assert _attempt(dbq, attempt_id).status == "open"


def test_drafts_and_quizzes_not_yet_open_are_404(app, make, tree):
    """Are a draft quiz and one opening tomorrow 404, while a closed one still shows its page without a start button?"""
    category = _bank(app, tree["P"])
    draft = make_quiz(app, tree["P"], [category], status="draft")
    later = make_quiz(app, tree["P"], [category], opens_at=utcnow() + timedelta(days=1))
    closed = make_quiz(app, tree["P"], [category], opens_at=utcnow() - timedelta(days=3),
                       closes_at=utcnow() - timedelta(days=1))
    _member_row, _user, client = _member(app, make, tree["B1"])
    assert client.get(f"/study/quizzes/{draft.id}").status_code == 404
    assert client.get(f"/study/quizzes/{later.id}").status_code == 404
    page = client.get(f"/study/quizzes/{closed.id}").get_data(as_text=True)
    assert "Bài thi đã đóng." in page and "Làm bài</button>" not in page
    token = csrf_token(client, f"/study/quizzes/{closed.id}")
    response = client.post(f"/study/quizzes/{closed.id}/start", data={"csrf_token": token}, follow_redirects=True)
    assert "Bài thi chưa mở hoặc đã đóng." in response.get_data(as_text=True)


def test_staff_without_a_member_record_are_told_why_they_cannot_start(app, make, tree):
    """Does committee staff with no member record read the quiz page with a clear message instead of a start button?"""
    quiz = make_quiz(app, tree["P"], [_bank(app, tree["P"])])
    client = logged_in_client(app, tree["committee"])
    page = client.get(f"/study/quizzes/{quiz.id}").get_data(as_text=True)
    assert "chưa gắn với hồ sơ đảng viên" in page and "Làm bài</button>" not in page
    token = csrf_token(client, f"/study/quizzes/{quiz.id}")
    response = client.post(f"/study/quizzes/{quiz.id}/start", data={"csrf_token": token}, follow_redirects=True)
    assert "chưa gắn với hồ sơ đảng viên" in response.get_data(as_text=True)


# -- bad input -------------------------------------------------------------------------------------
def test_bad_answers_are_400_with_a_message_and_nothing_saved(app, make, tree, dbq):
    """Positions out of range, text instead of numbers, two choices on a one-answer question, a body far
    too big: is each answered 400 with a Vietnamese message, the saved choice left as it was?"""
    quiz = make_quiz(app, tree["P"], [_bank(app, tree["P"])])
    _member_row, _user, client = _member(app, make, tree["B1"])
    attempt_id = _start(client, quiz)
    token = _token(client, attempt_id)
    url = f"/study/attempts/{attempt_id}/answers"
    assert _post_json(client, url, {"answers": {"0": [1]}}, token).status_code == 200
    for body in ({"answers": {"3": [0]}}, {"answers": {"0": [4]}}, {"answers": {"0": [-1]}},
                 {"answers": {"0": ["1"]}}, {"answers": {"0": "1"}}, {"answers": {"x": [1]}},
                 {"answers": {"0": [True]}}, {"answers": {"0": [0, 1]}}, {"answers": {"0": [1, 1]}},
                 {"answers": [[0]]}, {"answers": "tất cả"}, {"câu trả lời": {}}, [1, 2],
                 {"answers": {str(i): [0] for i in range(5000)}}):
        response = _post_json(client, url, body, token)
        assert response.status_code == 400, body
        assert re.search(r"[ạảãáàâầấẩẫậăắằẳẵặđêếềểễệôốồổỗộơớờởỡợưứừửữự]", response.get_json()["error"])
    response = client.post(url, data="{not json", content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 400
    form = client.post(f"/study/attempts/{attempt_id}/submit", data={"csrf_token": token, "q0": "một"})
    assert form.status_code == 400 and "Lựa chọn không hợp lệ." in form.get_data(as_text=True)
    attempt = _attempt(dbq, attempt_id)
    assert (attempt.status, attempt.answers) == ("open", {"0": [1]})


def test_the_sheet_works_without_script(app, make, tree, dbq):
    """Without JavaScript, does posting the form (radio fields q0, q1, q2) hand the sheet in and show the result?"""
    quiz = make_quiz(app, tree["P"], [_bank(app, tree["P"])], points=6)
    _member_row, _user, client = _member(app, make, tree["B1"])
    attempt_id = _start(client, quiz)
    right = _right(dbq, attempt_id)
    data = {"csrf_token": _token(client, attempt_id), **{f"q{k}": str(v[0]) for k, v in right.items()}}
    response = client.post(f"/study/attempts/{attempt_id}/submit", data=data, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Đã nộp bài: kết quả 100/100, cộng 6 điểm tích lũy." in page
    again = client.post(f"/study/attempts/{attempt_id}/submit", data=data)
    assert again.status_code == 409 and ALREADY in again.get_data(as_text=True) and "100/100" in again.get_data(as_text=True)


# -- the study home and the member home -------------------------------------------------------------
def test_study_home_lists_my_open_quizzes_in_few_queries(app, make, dbq):
    """Does the study home show the month's topic and each open quiz with its deadline, attempts left and
    my counted score, in as many queries for 8 quizzes as for 2?"""
    root = make.org(kind="province", name="Đảng bộ tỉnh Học Tập")
    branch = make.org(make.org(root, "grassroots"), "branch", "Chi bộ Học Tập")
    topic = make_topic(app, root, "Chuyên đề học tập và làm theo")
    category = _bank(app, root)
    member, _user, client = _member(app, make, branch)
    quizzes_made = [make_quiz(app, root, [category], title=f"Bài thi nhà {n}", attempts_allowed=2) for n in range(2)]
    attempt_id = _start(client, quizzes_made[0])
    _submit(client, attempt_id, _mixed(_right(dbq, attempt_id), 2))
    second = _start(client, quizzes_made[1])

    def measured():
        """The study home and the statements it ran."""
        with app.app_context():
            engine = db.engine
        with count_queries(engine) as seen:
            page = client.get("/study/").get_data(as_text=True)
        return seen, page

    few, page = measured()
    assert f'href="/study/topics/{topic.id}"' in page and topic.title in page
    assert "66,7/100 · đạt" in page and "1/2" in page
    assert f'href="/study/attempts/{second}">Tiếp tục làm bài' in page
    for link in ("/study/points", "/study/leaderboard", "/study/topics/"):
        assert f'href="{link}"' in page
    for n in range(6):
        make_quiz(app, root, [category], title=f"Bài thi nhà thêm {n}")
    many, page = measured()
    assert page.count('data-testid="open-quiz"') == 8
    assert many.count == few.count, str(many)
    assert few.count <= 6, str(few)


def _today(app, provider, user):
    """The items ``provider`` gives ``user`` for the member home."""
    from handbook.auth.models import User

    with app.test_request_context():
        account = db.session.get(User, user.id)
        _ = account.organization, account.member.organization  # a request loads them with the account
        with count_queries(db.engine) as seen:
            items = provider(account)
        assert seen.count == 1, str(seen)
    return items


def test_home_lists_open_quizzes_not_yet_done(app, make, dbq, monkeypatch):
    """Does the member home list an open quiz not yet done with its deadline (at most two), and drop it once handed in?"""
    monkeypatch.setitem(app.config, "TODAY_CACHE_SECONDS", 0)
    root = make.org(kind="province", name="Đảng bộ tỉnh Hôm Nay Thi")
    branch = make.org(make.org(root, "grassroots"), "branch")
    category = _bank(app, root)
    soon = make_quiz(app, root, [category], title="Thi sớm", closes_at=utcnow() + timedelta(days=1))
    make_quiz(app, root, [category], title="Thi vừa", closes_at=utcnow() + timedelta(days=2))
    make_quiz(app, root, [category], title="Thi muộn", closes_at=utcnow() + timedelta(days=3))
    _member_row, _user, client = _member(app, make, branch)
    from handbook.study.today import quizzes_today  # the item provider the study domain registers

    items = _today(app, quizzes_today, _user)
    assert [item["text"].split(" — ")[0] for item in items] == ["Bài thi đang mở: Thi sớm", "Bài thi đang mở: Thi vừa"]
    assert items[0]["url"] == f"/study/quizzes/{soon.id}" and " — hạn " in items[0]["text"]
    attempt_id = _start(client, soon)
    _submit(client, attempt_id, {})
    items = _today(app, quizzes_today, _user)
    assert [item["text"].split(" — ")[0] for item in items] == ["Bài thi đang mở: Thi vừa", "Bài thi đang mở: Thi muộn"]
