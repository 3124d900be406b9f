"""The study screens of the back office: monthly topics, the question bank, quizzes and leaderboards,
each within the user's scope, refusing what cannot be saved with a message in Vietnamese."""
import html
import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from content_support import make_document
from handbook.clock import utcnow
from handbook.extensions import db
from handbook.study.models import (LeaderboardSetting, Quiz, QuizAnswer, QuizAttempt, QuizCategory, QuizQuestion,
                                   StudyTopic, TopicRead)
from study_support import make_category, make_questions, make_quiz, make_topic
from support import csrf_token, logged_in_client


@pytest.fixture(scope="module")
def place(make, tree):
    """A commune (grassroots committee) under district C1 with a branch and its committee staff; another
    commune under C2 with its own staff."""
    commune = make.org(tree["C1"], "grassroots", "Đảng bộ xã Học Tập")
    branch = make.org(commune, "branch", "Chi bộ thôn Học")
    other = make.org(tree["C2"], "grassroots", "Đảng bộ xã Bên Kia")
    return SimpleNamespace(
        commune=commune, branch=branch, other=other,
        committee=make.user("committee", commune), other_committee=make.user("committee", other),
        secretary=make.user("secretary", branch, make.member(branch)),
        member=make.user("member", branch, make.member(branch)),
    )


def text_of(response) -> str:
    """The page's text without tags, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def post(client, url, data, form_url=None):
    """Post ``data`` to an admin form with the CSRF token of the page at ``form_url`` (default ``url``)."""
    token = csrf_token(client, form_url or url)
    return client.post(url, data={"csrf_token": token, **data})


def count(dbq, model, *where):
    """How many rows of ``model`` match."""
    return dbq(lambda s: s.execute(select(func.count()).select_from(model).where(*where)).scalar_one())


def attempt(app, quiz, member, org, **fields):
    """A submitted attempt of ``member`` at ``quiz``."""
    with app.app_context():
        row = QuizAttempt(quiz_id=quiz.id, member_id=member.id, organization_id=org.id, deadline=utcnow() + timedelta(minutes=5),
                          status=fields.pop("status", "submitted"), **fields)
        db.session.add(row)
        db.session.commit()
        return row.id


# -- who enters ----------------------------------------------------------------------------------------

SCREENS = ("studytopic", "quizcategory", "quizquestion", "quiz", "leaderboardsetting")


def test_members_never_reach_the_study_screens(app, place):
    """Does a member get 403 on every study screen, the import included, and on their forms' POSTs?"""
    client = logged_in_client(app, place.member)
    for endpoint in SCREENS + ("question_import",):
        assert client.get(f"/admin/{endpoint}/").status_code == 403, endpoint
    assert client.get("/admin/studytopic/new/").status_code == 403
    token = csrf_token(client, "/")
    assert client.post("/admin/quizcategory/new/", data={"csrf_token": token, "name": "Lĩnh vực lạ",
                                                          "organization": str(place.branch.id)}).status_code == 403


def test_a_secretary_sees_the_lists_but_cannot_create(app, place, dbq):
    """Can a branch secretary open the lists, yet neither open the new-row forms nor save through them?"""
    client = logged_in_client(app, place.secretary)
    for endpoint in SCREENS:
        page = client.get(f"/admin/{endpoint}/")
        assert page.status_code == 200, endpoint
        assert f"/admin/{endpoint}/new/" not in page.get_data(as_text=True), endpoint
        assert client.get(f"/admin/{endpoint}/new/").status_code == 302, endpoint
    token = csrf_token(client, "/admin/quizcategory/")
    client.post("/admin/quizcategory/new/", data={"csrf_token": token, "name": "Lĩnh vực của bí thư",
                                                  "organization": str(place.branch.id)})
    assert count(dbq, QuizCategory, QuizCategory.name == "Lĩnh vực của bí thư") == 0


def test_another_communes_rows_are_404(app, place):
    """Are another commune's topic, category, question, quiz and leaderboard setting 404 on edit and details?"""
    topic = make_topic(app, place.other, "Chuyên đề xã bên kia")
    category = make_category(app, place.other)
    question = make_questions(app, category, 1)[0]
    quiz = make_quiz(app, place.other, [category], question_count=1)
    with app.app_context():
        setting = LeaderboardSetting(organization_id=place.other.id, mode="hidden")
        db.session.add(setting)
        db.session.commit()
        setting_id = setting.id
    client = logged_in_client(app, place.committee)
    for endpoint, ident in (("studytopic", topic.id), ("quizcategory", category.id), ("quizquestion", question.id),
                            ("quiz", quiz.id), ("leaderboardsetting", setting_id)):
        for view in ("edit", "details"):
            assert client.get(f"/admin/{endpoint}/{view}/?id={ident}").status_code == 404, (endpoint, view)
        assert str(ident) not in re.findall(r"id=(\d+)", client.get(f"/admin/{endpoint}/").get_data(as_text=True))
    # Their own staff open them.
    other = logged_in_client(app, place.other_committee)
    assert other.get(f"/admin/quiz/edit/?id={quiz.id}").status_code == 200


def test_a_post_without_csrf_token_is_400(app, place, dbq):
    """Is a form posted without its CSRF token refused with 400, nothing saved?"""
    client = logged_in_client(app, place.committee)
    response = client.post("/admin/quizcategory/new/", data={"name": "Không có mã chống giả", "organization": str(place.commune.id)})
    assert response.status_code == 400
    assert count(dbq, QuizCategory, QuizCategory.name == "Không có mã chống giả") == 0


# -- 1. monthly topics ------------------------------------------------------------------------------

def topic_form(org, **fields):
    """A valid new-topic form for ``org``."""
    data = {"month": "11/2026", "title": "Học tập và làm theo tư tưởng Hồ Chí Minh", "summary": "Tóm tắt",
            "body_html": "<p>Nội dung <b>chuyên đề</b></p><script>alert(1)</script>", "organization": str(org.id),
            "status": "published", "published_at": "", "points": "3"}
    data.update(fields)
    return data


def test_a_committee_publishes_a_topic_with_documents_it_reads(app, place, dbq, tree):
    """Does a commune committee publish a topic for its commune, stored on the month's first day, published
    now, cleaned, linking its own document and the province's published one?"""
    own = make_document(app, place.commune, "Văn bản xã TP1")
    province = make_document(app, tree["P"], "Nghị quyết tỉnh TP1")
    client = logged_in_client(app, place.committee)
    form = client.get("/admin/studytopic/new/").get_data(as_text=True)
    assert "data-richtext" in form and "richtext.js" in form and 'placeholder="mm/yyyy"' in form
    assert f'value="{place.commune.id}"' in form  # the user's own organization by default
    # The document lookup offers the province's published documents too.
    found = " ".join(label for _id, label in client.get("/admin/studytopic/ajax/lookup/?name=documents&query=TP1").get_json())
    assert own.title in found and province.title in found
    response = post(client, "/admin/studytopic/new/", topic_form(place.commune, title="Chuyên đề TP1",
                                                                 month="18/11/2026", documents=f"{own.id},{province.id}"))
    assert response.status_code == 302, text_of(response)[-600:]

    def saved(s):
        """The saved topic's month, time, body, documents and publisher."""
        topic = s.execute(select(StudyTopic).where(StudyTopic.title == "Chuyên đề TP1")).scalar_one()
        return topic.month, topic.published_at, topic.body_html, sorted(d.id for d in topic.documents), topic.organization_id

    month, published_at, body, documents, org_id = dbq(saved)
    assert month == date(2026, 11, 1) and published_at is not None and org_id == place.commune.id
    assert "<script" not in body and "<b>chuyên đề</b>" in body
    assert documents == sorted([own.id, province.id])


def test_a_topic_cannot_link_another_communes_document_or_a_draft_above(app, place, dbq, tree):
    """Is a forged id of another commune's document, or of the province's draft, refused with nothing saved?"""
    elsewhere = make_document(app, place.other, "Văn bản xã bên kia TP2")
    draft = make_document(app, tree["P"], "Dự thảo tỉnh TP2", status="draft")
    client = logged_in_client(app, place.committee)
    assert client.get("/admin/studytopic/ajax/lookup/?name=documents&query=TP2").get_json() == []
    for document in (elsewhere, draft):
        response = post(client, "/admin/studytopic/new/", topic_form(place.commune, title="Chuyên đề TP2",
                                                                     documents=str(document.id)))
        assert response.status_code == 200 and "Lựa chọn không hợp lệ" in text_of(response)
    assert count(dbq, StudyTopic, StudyTopic.title == "Chuyên đề TP2") == 0


def test_topic_rules_are_said_in_vietnamese(app, place, dbq):
    """Are points over 5, a month that is not one, and a publisher of another commune each refused with a message?"""
    client = logged_in_client(app, place.committee)
    page = text_of(post(client, "/admin/studytopic/new/", topic_form(place.commune, title="Chuyên đề TP3", points="6")))
    assert "Điểm tích lũy phải từ 0 đến 5." in page
    page = text_of(post(client, "/admin/studytopic/new/", topic_form(place.commune, title="Chuyên đề TP3", month="13/2026")))
    assert "Tháng không hợp lệ" in page
    response = post(client, "/admin/studytopic/new/", topic_form(place.other, title="Chuyên đề TP3"))
    assert response.status_code == 200
    assert count(dbq, StudyTopic, StudyTopic.title == "Chuyên đề TP3") == 0


def test_a_topic_members_studied_is_kept(app, place, dbq):
    """Is deleting a topic members have studied refused with a message, while an unstudied one is deleted?"""
    studied = make_topic(app, place.commune, "Chuyên đề đã học TP4")
    unstudied = make_topic(app, place.commune, "Chuyên đề chưa học TP4")
    member = place.member
    with app.app_context():
        db.session.add(TopicRead(member_id=member.member_id, topic_id=studied.id))
        db.session.commit()
    client = logged_in_client(app, place.committee)
    response = post(client, "/admin/studytopic/delete/", {"id": str(studied.id)}, "/admin/studytopic/")
    assert "chuyển về “Bản nháp”" in text_of(client.get(response.headers["Location"]))
    post(client, "/admin/studytopic/delete/", {"id": str(unstudied.id)}, "/admin/studytopic/")
    assert count(dbq, StudyTopic, StudyTopic.id == studied.id) == 1
    assert count(dbq, StudyTopic, StudyTopic.id == unstudied.id) == 0


def test_the_topic_list_shows_the_month(app, place):
    """Does the list show a topic's month as mm/yyyy and its status in Vietnamese?"""
    make_topic(app, place.commune, "Chuyên đề tháng TP5", month=date(2026, 3, 1))
    page = text_of(logged_in_client(app, place.committee).get("/admin/studytopic/?search=TP5"))
    assert "03/2026" in page and "Xuất bản" in page


# -- 2. categories -----------------------------------------------------------------------------------

def test_categories_are_made_once_per_organization_and_kept_while_used(app, place, dbq):
    """Does a committee add a category (its organization by default), get a message for the same name
    again, and is a category holding questions kept on delete with a message?"""
    client = logged_in_client(app, place.committee)
    assert f'value="{place.commune.id}"' in client.get("/admin/quizcategory/new/").get_data(as_text=True)
    response = post(client, "/admin/quizcategory/new/", {"name": "Lịch sử Đảng CA1", "organization": str(place.commune.id)})
    assert response.status_code == 302
    again = post(client, "/admin/quizcategory/new/", {"name": "lịch sử đảng ca1", "organization": str(place.commune.id)})
    assert "đã có lĩnh vực “lịch sử đảng ca1”" in text_of(again)
    category_id = dbq(lambda s: s.execute(select(QuizCategory.id).where(QuizCategory.name == "Lịch sử Đảng CA1")).scalar_one())
    make_questions(app, SimpleNamespace(id=category_id), 2)
    listing = text_of(client.get("/admin/quizcategory/?search=CA1"))
    assert "Lịch sử Đảng CA1" in listing and "Số câu hỏi" in listing
    response = post(client, "/admin/quizcategory/delete/", {"id": str(category_id)}, "/admin/quizcategory/")
    assert response.status_code == 302
    assert "Lĩnh vực còn câu hỏi: không xóa được" in text_of(client.get(response.headers["Location"]))
    assert count(dbq, QuizCategory, QuizCategory.id == category_id) == 1


def test_a_category_cannot_be_placed_in_another_commune(app, place, dbq):
    """Is a category posted for another commune's organization refused, nothing saved?"""
    client = logged_in_client(app, place.committee)
    response = post(client, "/admin/quizcategory/new/", {"name": "Lĩnh vực lấn sân CA2", "organization": str(place.other.id)})
    assert response.status_code == 200
    assert count(dbq, QuizCategory, QuizCategory.name == "Lĩnh vực lấn sân CA2") == 0


# -- 3. the question bank ------------------------------------------------------------------------------

def question_form(category, **fields):
    """A valid new-question form."""
    data = {"category": str(category.id), "text": "Đảng Cộng sản Việt Nam ra đời năm nào?", "kind": "single",
            "options": "1925\n*1930\n1945", "explanation": "Ngày 03/02/1930.", "active": "y"}
    data.update(fields)
    return data


def test_options_round_trip_through_the_textarea(app, place, dbq):
    """Are options typed one a line with * on the right ones stored as the JSON list, and shown back the
    same way on the edit form?"""
    category = make_category(app, place.commune)
    client = logged_in_client(app, place.committee)
    response = post(client, "/admin/quizquestion/new/", question_form(
        category, text="Câu hỏi QB1?", kind="multiple", options="  Phương án một \n\n*Phương án hai\n* Phương án ba\n"))
    assert response.status_code == 302, text_of(response)[-800:]
    question = dbq(lambda s: s.execute(select(QuizQuestion).where(QuizQuestion.text == "Câu hỏi QB1?")).scalar_one())
    assert question.options == [{"text": "Phương án một", "correct": False}, {"text": "Phương án hai", "correct": True},
                                {"text": "Phương án ba", "correct": True}]
    edit = client.get(f"/admin/quizquestion/edit/?id={question.id}").get_data(as_text=True)
    assert "Phương án một\n*Phương án hai\n*Phương án ba</textarea>" in html.unescape(edit)
    listing = text_of(client.get("/admin/quizquestion/?search=QB1"))
    assert "Câu hỏi QB1?" in listing and "Nhiều đáp án đúng" in listing


@pytest.mark.parametrize("fields, message", [
    ({"options": "*Chỉ một"}, "Câu hỏi cần từ 2 đến 8 phương án (đang có 1)."),
    ({"options": "\n".join(["*A"] + [f"P{i}" for i in range(8)])}, "Câu hỏi cần từ 2 đến 8 phương án (đang có 9)."),
    ({"options": "*Một\n*\nHai"}, "Có phương án để trống"),
    ({"options": "*Một\nHai\nhai"}, "Phương án thứ 3 trùng với phương án thứ 2"),
    ({"options": "Một\nHai"}, "Hãy đánh dấu ít nhất một phương án đúng"),
    ({"options": "*Một\n*Hai", "kind": "single"}, "Câu hỏi một đáp án đúng chỉ được có một phương án đúng (đang đánh dấu 2)"),
    ({"options": "*Một\n" + "x" * 501}, "Mỗi phương án tối đa 500 ký tự"),
    ({"text": "x" * 2001}, "Tối đa 2.000 ký tự."),
])
def test_each_rule_of_a_question_has_its_message(app, place, dbq, fields, message):
    """Is each broken rule of a question's options and text refused with its own Vietnamese message, nothing saved?"""
    category = make_category(app, place.commune)
    client = logged_in_client(app, place.committee)
    response = post(client, "/admin/quizquestion/new/", question_form(category, **fields))
    assert response.status_code == 200 and message in text_of(response)
    assert count(dbq, QuizQuestion, QuizQuestion.category_id == category.id) == 0


def test_the_question_list_filters_by_category_in_scope(app, place):
    """Does the category filter offer the user's categories (not another commune's) and narrow the list?"""
    mine = make_category(app, place.commune, "Lĩnh vực lọc QB2")
    theirs = make_category(app, place.other, "Lĩnh vực bên kia QB2")
    make_questions(app, mine, 1)
    client = logged_in_client(app, place.committee)
    page = client.get("/admin/quizquestion/").get_data(as_text=True)
    assert "Lĩnh vực lọc QB2" in page and "Lĩnh vực bên kia QB2" not in page
    filtered = text_of(client.get(f"/admin/quizquestion/?flt0_0={mine.id}"))
    assert "Câu hỏi thử số" in filtered
    assert "Câu hỏi thử số" not in text_of(client.get(f"/admin/quizquestion/?flt0_0={theirs.id}"))


def test_a_question_an_attempt_used_is_deactivated_not_deleted(app, place, dbq):
    """Is deleting a question an attempt answered refused with "hãy ngừng sử dụng", while an unused one is deleted?"""
    category = make_category(app, place.commune)
    used, unused = make_questions(app, category, 2)
    quiz = make_quiz(app, place.commune, [category], question_count=1)
    attempt_id = attempt(app, quiz, SimpleNamespace(id=place.member.member_id), place.branch)
    with app.app_context():
        db.session.add(QuizAnswer(attempt_id=attempt_id, question_id=used.id, correct=True))
        db.session.commit()
    client = logged_in_client(app, place.committee)
    response = post(client, "/admin/quizquestion/delete/", {"id": str(used.id)}, "/admin/quizquestion/")
    assert "hãy ngừng sử dụng" in text_of(client.get(response.headers["Location"]))
    assert count(dbq, QuizQuestion, QuizQuestion.id == used.id) == 1
    # An attempt still open has drawn from the category too: its questions are kept as well.
    other = make_category(app, place.commune)
    drawn = make_questions(app, other, 1)[0]
    attempt(app, make_quiz(app, place.commune, [other], question_count=1), SimpleNamespace(id=place.member.member_id),
            place.branch, status="open")
    post(client, "/admin/quizquestion/delete/", {"id": str(drawn.id)}, "/admin/quizquestion/")
    assert count(dbq, QuizQuestion, QuizQuestion.id == drawn.id) == 1
    with app.app_context():
        db.session.execute(QuizAttempt.__table__.delete().where(QuizAttempt.quiz_id == quiz.id))
        db.session.commit()
    post(client, "/admin/quizquestion/delete/", {"id": str(unused.id)}, "/admin/quizquestion/")
    assert count(dbq, QuizQuestion, QuizQuestion.id == unused.id) == 0


# -- 5. quizzes ------------------------------------------------------------------------------------------

def quiz_form(org, chosen, **fields):
    """A valid new-quiz form for ``org``."""
    data = {"title": "Bài thi thử", "description": "", "organization": str(org.id), "topic": "__None",
            "categories": [str(c.id) for c in chosen], "status": "published", "opens_at": "01/03/2026 08:00",
            "closes_at": "31/03/2026 17:00", "question_count": "3", "time_limit_minutes": "15", "attempts_allowed": "2",
            "counting": "best", "pass_mark": "50", "points": "10", "show_review": "y"}
    data.update(fields)
    return data


def test_a_commune_quiz_draws_from_the_provinces_category(app, place, dbq, tree):
    """Can a commune committee make a quiz from its own category and the province's (offered in the form),
    with its window typed in Vietnam's time?"""
    province = make_category(app, tree["P"], "Lĩnh vực tỉnh QZ1")
    own = make_category(app, place.commune, "Lĩnh vực xã QZ1")
    make_questions(app, province, 2)
    make_questions(app, own, 1)
    client = logged_in_client(app, place.committee)
    form = client.get("/admin/quiz/new/").get_data(as_text=True)
    assert "Lĩnh vực tỉnh QZ1" in form and "Lĩnh vực xã QZ1" in form
    response = post(client, "/admin/quiz/new/", quiz_form(place.commune, [province, own], title="Bài thi QZ1"))
    assert response.status_code == 302, text_of(response)[-800:]
    quiz = dbq(lambda s: s.execute(select(Quiz).where(Quiz.title == "Bài thi QZ1")).scalar_one())
    assert quiz.opens_at.hour == 1 and quiz.organization_id == place.commune.id  # 08:00 in Vietnam is 01:00 UTC
    assert dbq(lambda s: sorted(c.id for c in s.get(Quiz, quiz.id).categories)) == sorted([province.id, own.id])


def test_a_quiz_needs_enough_active_questions(app, place, dbq):
    """Is a quiz asking more questions than its categories' active ones refused, saying how many there are?"""
    category = make_category(app, place.commune)
    questions = make_questions(app, category, 3)
    with app.app_context():
        db.session.get(QuizQuestion, questions[0].id).active = False
        db.session.commit()
    client = logged_in_client(app, place.committee)
    response = post(client, "/admin/quiz/new/", quiz_form(place.commune, [category], title="Bài thi QZ2", question_count="3"))
    assert response.status_code == 200
    assert "chỉ có 2 câu hỏi đang dùng, ít hơn số câu mỗi lượt làm (3)" in text_of(response)
    assert count(dbq, Quiz, Quiz.title == "Bài thi QZ2") == 0


@pytest.mark.parametrize("fields, message", [
    ({"closes_at": "28/02/2026 08:00"}, "Thời điểm đóng phải sau thời điểm mở."),
    ({"categories": []}, "Hãy chọn ít nhất một lĩnh vực câu hỏi."),
    ({"question_count": "0"}, "Số câu mỗi lượt phải từ 1 đến 100."),
    ({"time_limit_minutes": "181"}, "Thời gian làm phải từ 1 đến 180."),
    ({"attempts_allowed": "11"}, "Số lượt được làm phải từ 1 đến 10."),
    ({"pass_mark": "101"}, "Điểm đạt phải từ 0 đến 100."),
    ({"points": "51"}, "Điểm tích lũy phải từ 0 đến 50."),
    ({"opens_at": "32/01/2026"}, "Thời điểm không hợp lệ"),
])
def test_each_rule_of_a_quiz_has_its_message(app, place, dbq, fields, message):
    """Is each broken rule of a quiz refused with its own Vietnamese message, nothing saved?"""
    category = make_category(app, place.commune)
    make_questions(app, category, 3)
    client = logged_in_client(app, place.committee)
    response = post(client, "/admin/quiz/new/", quiz_form(place.commune, [category], title="Bài thi QZ3", **fields))
    assert response.status_code == 200 and message in text_of(response)
    assert count(dbq, Quiz, Quiz.title == "Bài thi QZ3") == 0


def test_another_communes_category_cannot_be_forged_into_a_quiz(app, place, dbq):
    """Is a forged id of another commune's category refused (and not offered), nothing saved?"""
    own = make_category(app, place.commune)
    make_questions(app, own, 3)
    theirs = make_category(app, place.other, "Lĩnh vực bên kia QZ4")
    make_questions(app, theirs, 3)
    client = logged_in_client(app, place.committee)
    assert "Lĩnh vực bên kia QZ4" not in client.get("/admin/quiz/new/").get_data(as_text=True)
    response = post(client, "/admin/quiz/new/", quiz_form(place.commune, [own, theirs], title="Bài thi QZ4"))
    assert response.status_code == 200 and "không hợp lệ" in text_of(response)
    assert count(dbq, Quiz, Quiz.title == "Bài thi QZ4") == 0


def test_a_quiz_with_attempts_is_kept_and_its_draw_locked(app, place, dbq):
    """Once a quiz has attempts, is deleting it refused (set it to draft instead), and are its question
    count and categories locked while its title still changes? Does the list count its attempts and link
    to its statistics?"""
    category, extra = make_category(app, place.commune), make_category(app, place.commune)
    make_questions(app, category, 5)
    make_questions(app, extra, 2)
    quiz = make_quiz(app, place.commune, [category], title="Bài thi đã làm QZ5", question_count=3)
    for _ in range(2):
        attempt(app, quiz, SimpleNamespace(id=place.member.member_id), place.branch, number=_ + 1)
    client = logged_in_client(app, place.committee)
    response = post(client, "/admin/quiz/delete/", {"id": str(quiz.id)}, "/admin/quiz/")
    assert "chuyển về “Bản nháp”" in text_of(client.get(response.headers["Location"]))
    assert count(dbq, Quiz, Quiz.id == quiz.id) == 1
    edit_url = f"/admin/quiz/edit/?id={quiz.id}"
    version = re.search(r'name="version"[^>]*value="(\d+)"', client.get(edit_url).get_data(as_text=True))
    base = quiz_form(place.commune, [category], title="Bài thi đã làm QZ5", question_count="3",
                     **({"version": version.group(1)} if version else {}))
    page = text_of(post(client, edit_url, {**base, "question_count": "4"}))
    assert "không đổi được số câu hỏi" in page
    page = text_of(post(client, edit_url, {**base, "categories": [str(category.id), str(extra.id)]}))
    assert "không đổi được lĩnh vực" in page
    response = post(client, edit_url, {**base, "title": "Bài thi đã làm QZ5 (sửa tên)"})
    assert response.status_code == 302, text_of(response)[-600:]
    listing = client.get("/admin/quiz/?search=QZ5").get_data(as_text=True)
    row = re.search(r"Bài thi đã làm QZ5 \(sửa tên\).*?</tr>", listing, re.S).group(0)
    assert re.search(r"<td[^>]*>\s*2\s*</td>", row)
    assert f"quiz_statistics/?quiz_id={quiz.id}" in html.unescape(row)


def test_the_quiz_list_counts_attempts_in_one_query(app, place):
    """Does the quiz list read the attempts of a page in one grouped query, however many quizzes it shows?"""
    from support import count_queries

    category = make_category(app, place.commune)
    make_questions(app, category, 2)
    for n in range(3):
        make_quiz(app, place.commune, [category], title=f"Bài thi đếm QZ6 {n}", question_count=1)
    client = logged_in_client(app, place.committee)
    client.get("/admin/quiz/?search=QZ6")
    with app.app_context():
        engine = db.engine
    with count_queries(engine) as few:
        client.get("/admin/quiz/?search=QZ6")
    make_quiz(app, place.commune, [category], title="Bài thi đếm QZ6 3", question_count=1)
    with count_queries(engine) as more:
        client.get("/admin/quiz/?search=QZ6")
    attempts = [s for s in more.statements if "FROM quiz_attempt" in s]
    assert more.count == few.count and len(attempts) == 1, str(more)


# -- 6. leaderboards -------------------------------------------------------------------------------------

def test_leaderboard_settings_one_per_organization(app, place, dbq):
    """Does a committee freeze its commune's boards (now, when no time is given), get a message for a second
    setting of the same organization, and a refusal for another commune?"""
    client = logged_in_client(app, place.committee)
    response = post(client, "/admin/leaderboardsetting/new/", {"organization": str(place.commune.id), "mode": "frozen",
                                                               "frozen_at": "", "note": "Tạm dừng cuối năm"})
    assert response.status_code == 302, text_of(response)[-600:]
    setting = dbq(lambda s: s.execute(select(LeaderboardSetting).where(
        LeaderboardSetting.organization_id == place.commune.id)).scalar_one())
    assert setting.mode == "frozen" and abs((setting.frozen_at - utcnow()).total_seconds()) < 120
    again = post(client, "/admin/leaderboardsetting/new/", {"organization": str(place.commune.id), "mode": "hidden"})
    assert "đã có cài đặt bảng xếp hạng" in text_of(again)
    before = count(dbq, LeaderboardSetting)
    outside = post(client, "/admin/leaderboardsetting/new/", {"organization": str(place.other.id), "mode": "shown"})
    assert outside.status_code == 200 and "Lựa chọn không hợp lệ" in text_of(outside)
    assert count(dbq, LeaderboardSetting) == before
    assert "Tạm dừng (giữ bảng tại một thời điểm)" in text_of(client.get("/admin/leaderboardsetting/"))


def test_every_screen_lists_shows_and_exports(app, place, tree):
    """Do the list, the details page and the CSV and Excel exports of every study screen open for the admin
    and for the commune's committee (its rows in them, in Vietnamese)?"""
    category = make_category(app, place.commune, "Lĩnh vực xuất EX1")
    question = make_questions(app, category, 2, kind="multiple")[0]
    topic = make_topic(app, place.commune, "Chuyên đề xuất EX1")
    quiz = make_quiz(app, place.commune, [category], title="Bài thi xuất EX1", question_count=2, topic_id=topic.id)
    with app.app_context():
        # The commune's one setting (another test may have made it already).
        setting = db.session.execute(select(LeaderboardSetting).where(
            LeaderboardSetting.organization_id == place.commune.id)).scalar_one_or_none()
        if setting is None:
            setting = LeaderboardSetting(organization_id=place.commune.id, mode="hidden")
            db.session.add(setting)
            db.session.commit()
        setting_id = setting.id
    rows = {"studytopic": (topic.id, "Chuyên đề xuất EX1"), "quizcategory": (category.id, "Lĩnh vực xuất EX1"),
            "quizquestion": (question.id, question.text), "quiz": (quiz.id, "Bài thi xuất EX1"),
            "leaderboardsetting": (setting_id, "")}
    for user in (tree["admin"], place.committee):
        client = logged_in_client(app, user)
        for endpoint, (ident, text) in rows.items():
            assert client.get(f"/admin/{endpoint}/").status_code == 200, endpoint
            details = client.get(f"/admin/{endpoint}/details/?id={ident}")
            assert details.status_code == 200 and text in text_of(details), endpoint
            for kind in ("csv", "xlsx"):
                export = client.get(f"/admin/{endpoint}/export/{kind}/")
                assert export.status_code == 200, (endpoint, kind, export.status_code)
        details = text_of(client.get(f"/admin/quizquestion/details/?id={question.id}"))
        assert "✔ Phương án A" in details and "◦ Phương án C" in details
