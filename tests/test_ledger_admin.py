"""The back office's points ledger, manual awards and corrections, and the quiz attempts list."""
import re
from datetime import timedelta

from sqlalchemy import func, select

from handbook.audit.models import AuditEntry
from handbook.clock import utcnow
from handbook.extensions import db
from handbook.study.models import PointEntry, QuizAnswer, QuizAttempt
from handbook.study.operations import member_total
from study_support import make_category, make_questions, make_quiz
from support import csrf_token, export_rows


# -- row factories ----------------------------------------------------------------------------------
def make_entry(app, member, points=5, source="read", reference=None, note=None, created_by=None, created_at=None):
    """A ledger entry of ``member`` written directly as a row; returns its id."""
    with app.app_context():
        entry = PointEntry(member_id=member.id, source=source, points=points, note=note,
                           reference=reference or f"{source}:{utcnow().timestamp()}:{id(object())}",
                           created_by_id=created_by.id if created_by else None, created_at=created_at or utcnow())
        db.session.add(entry)
        db.session.commit()
        return entry.id


def make_attempt(app, quiz, member, questions, right, number=1, status="submitted", points=None):
    """A scored attempt of ``member`` at ``quiz`` as rows: the attempt (its branch, score, passed), one
    QuizAnswer per question (``right``: a bool per question) and the quiz's ledger entry; returns its id.
    Layout: each question's options in bank order; the member chose option 0 (right) or 1 (wrong)."""
    score = 100.0 * sum(right) / len(right)
    awarded = round(quiz.points * score / 100) if points is None else points
    now = utcnow()
    with app.app_context():
        attempt = QuizAttempt(
            quiz_id=quiz.id, member_id=member.id, organization_id=member.organization_id, number=number,
            status=status, started_at=now - timedelta(minutes=5), deadline=now + timedelta(minutes=5),
            submitted_at=None if status == "open" else now, question_count=len(questions),
            layout=[[q.id, list(range(len(q.options)))] for q in questions],
            answers={str(i): [0 if ok else 1] for i, ok in enumerate(right)},
            correct_count=None if status == "open" else sum(right),
            score=None if status == "open" else score,
            passed=None if status == "open" else score >= quiz.pass_mark,
            points_awarded=0 if status == "open" else awarded)
        db.session.add(attempt)
        db.session.flush()
        if status != "open":
            db.session.add_all(QuizAnswer(attempt_id=attempt.id, question_id=q.id, correct=ok)
                               for q, ok in zip(questions, right))
            if awarded:
                db.session.add(PointEntry(member_id=member.id, source="quiz", points=awarded,
                                          reference=f"quiz:{quiz.id}:attempt:{attempt.id}", created_at=now))
        db.session.commit()
        return attempt.id


def view_of(app, endpoint):
    """The registered admin screen at ``endpoint``."""
    return next(v for v in app.extensions["handbook_admin"]._views if getattr(v, "endpoint", None) == endpoint)


def filter_arg(app, endpoint, name, operation=None):
    """The URL argument of the list filter called ``name`` (and ``operation``, in Vietnamese)."""
    view = view_of(app, endpoint)
    with app.test_request_context():  # the operations' names are translated
        index = next(i for i, f in enumerate(view._filters)
                     if f.name == name and (operation is None or str(f.operation()) == operation))
    return f"flt0_{index}"


def entries_of(dbq, member):
    """(points, source, note, created_by_id) of every ledger entry of ``member``, oldest first."""
    return dbq(lambda s: [tuple(r) for r in s.execute(
        select(PointEntry.points, PointEntry.source, PointEntry.note, PointEntry.created_by_id)
        .where(PointEntry.member_id == member.id).order_by(PointEntry.id))])


def award(client, member_id, points, reason, token=True):
    """POST the manual award form."""
    data = {"member": str(member_id), "points": str(points), "reason": reason}
    if token:
        data["csrf_token"] = csrf_token(client, "/admin/points_award/")
    return client.post("/admin/points_award/", data=data)


# -- the ledger list ---------------------------------------------------------------------------------
def test_ledger_list_shows_each_role_its_own_scope(app, client, auth, make, tree):
    """Does the admin see every entry, a committee its subtree's, a secretary their branch's, and a member nothing (403)?"""
    own = make.member(tree["B1"], "Lê Sổ Phạm Vi Một")
    sibling = make.member(tree["B2"], "Lê Sổ Phạm Vi Hai")
    other = make.member(tree["B3"], "Lê Sổ Phạm Vi Ba")
    for member, note in ((own, "ghi-chu-B1"), (sibling, "ghi-chu-B2"), (other, "ghi-chu-B3")):
        make_entry(app, member, note=note)

    def notes(user):
        auth.login(user)
        page = client.get("/admin/pointentry/?search=so+pham+vi").get_data(as_text=True)
        auth.logout()
        return {n for n in ("ghi-chu-B1", "ghi-chu-B2", "ghi-chu-B3") if n in page}

    assert notes(tree["admin"]) == {"ghi-chu-B1", "ghi-chu-B2", "ghi-chu-B3"}
    assert notes(tree["committee"]) == {"ghi-chu-B1", "ghi-chu-B2"}
    assert notes(tree["secretary"]) == {"ghi-chu-B1"}
    auth.login(tree["member"])
    assert client.get("/admin/pointentry/").status_code == 403


def test_ledger_search_and_filters(app, client, auth, make, tree):
    """Does "nguyen loc" find "Nguyễn Thị Lộc" without accents, and do the source, member, organization and sign filters narrow the list?"""
    loc = make.member(tree["B1"], "Nguyễn Thị Lộc Sổ")
    hai = make.member(tree["B3"], "Trần Văn Lọc Sổ")
    make_entry(app, loc, 4, "read", "document:35", note="mục-đọc-lộc")
    make_entry(app, loc, 7, "manual", note="mục-cộng-lộc", created_by=tree["committee"])
    make_entry(app, hai, 2, "topic", "topic:3", note="mục-chuyên-đề-hai")
    make_entry(app, hai, -2, "correction", "correction:1", note="mục-trừ-hai")
    auth.login(tree["admin"])

    def notes(**params):
        page = client.get("/admin/pointentry/", query_string=params).get_data(as_text=True)
        return {n for n in ("mục-đọc-lộc", "mục-cộng-lộc", "mục-chuyên-đề-hai", "mục-trừ-hai") if n in page}

    assert notes(search="nguyen loc") == {"mục-đọc-lộc", "mục-cộng-lộc"}
    assert notes(search="LOC SO") == {"mục-đọc-lộc", "mục-cộng-lộc", "mục-chuyên-đề-hai", "mục-trừ-hai"}
    assert notes(search="loc so", **{filter_arg(app, "pointentry", "Nguồn", "bằng"): "manual"}) == {"mục-cộng-lộc"}
    assert notes(**{filter_arg(app, "pointentry", "Đảng viên"): "tran van loc"}) == {"mục-chuyên-đề-hai", "mục-trừ-hai"}
    assert notes(search="loc so", **{filter_arg(app, "pointentry", "Tổ chức"): tree["C2"].code}) == {
        "mục-chuyên-đề-hai", "mục-trừ-hai"}
    assert notes(search="loc so", **{filter_arg(app, "pointentry", "Điểm"): "minus"}) == {"mục-trừ-hai"}
    page = client.get("/admin/pointentry/?search=nguyen+thi+loc+so").get_data(as_text=True)
    # Readable references, the source in Vietnamese, signed points, the author's name.
    assert "Tài liệu #35" in page and "Đọc tài liệu, tin tức" in page and "Cấp ủy cộng điểm" in page  # the source
    assert "+7" in page and tree["committee"].login in page
    assert "Chuyên đề #3" in client.get("/admin/pointentry/?search=tran+van+loc").get_data(as_text=True)


def test_ledger_page_counts_up_to_a_cap(app, client, auth, make, tree, monkeypatch):
    """Past the count cap, does the list stop counting and page by "next" instead of naming a last page?"""
    from handbook.study import ledger_admin

    member = make.member(tree["B1"], "Hoàng Đếm Trang")
    for i in range(4):
        make_entry(app, member, note=f"đếm-{i}")
    auth.login(tree["admin"])
    assert "(4)" in client.get("/admin/pointentry/?search=hoang+dem+trang").get_data(as_text=True)
    monkeypatch.setattr(ledger_admin, "COUNT_CAP", 3)
    page = client.get("/admin/pointentry/?search=hoang+dem+trang&page_size=25").get_data(as_text=True)
    assert 'data-testid="count-capped"' in page and "(4)" not in page
    assert all(f"đếm-{i}" in page for i in range(4))


def test_ledger_export_is_readable_and_neutralized(app, client, auth, make, tree):
    """Does the xlsx export list the entry with its member, branch, source, reference and note in Vietnamese, with a formula note made harmless?"""
    member = make.member(tree["B1"], "Vũ Xuất Tệp")
    make_entry(app, member, 3, "quiz", "quiz:7:attempt:1234", note='=HYPERLINK("http://x.invalid","bấm")')
    auth.login(tree["committee"])
    rows = export_rows(client.get("/admin/pointentry/export/xlsx/?search=vu+xuat+tep"), "xlsx")
    assert rows[0] == ["Thời gian", "Đảng viên", "Số thẻ", "Chi bộ", "Nguồn", "Căn cứ", "Điểm", "Lý do",
                       "Người cộng / điều chỉnh"]
    assert len(rows) == 2
    row = rows[1]
    assert row[1:7] == ["Vũ Xuất Tệp", member.card_number, "Chi bộ B1", "Bài thi trắc nghiệm", "Bài thi #7, lượt #1234", "3"]
    assert row[7] == "'=HYPERLINK(\"http://x.invalid\",\"bấm\")"
    csv_rows = export_rows(client.get("/admin/pointentry/export/csv/?search=vu+xuat+tep"), "csv")
    assert csv_rows[1][1] == "Vũ Xuất Tệp" and csv_rows[1][7].startswith("'=")


def test_the_ledger_export_stops_at_its_row_limit(app, client, auth, make, tree, monkeypatch):
    """With a limit of 2 rows, does an export of 3 matching entries give the newest 2 (a province's ledger
    would pass the million rows a worksheet holds)?"""
    member = make.member(tree["B1"], "Vũ Giới Hạn")
    for n in range(3):
        make_entry(app, member, n + 1, note=f"giới hạn {n}")
    view = next(v for v in app.extensions["handbook_admin"]._views if v.endpoint == "pointentry")
    assert view.export_max_rows == 1_000_000
    monkeypatch.setattr(view, "export_max_rows", 2)
    auth.login(tree["committee"])
    rows = export_rows(client.get("/admin/pointentry/export/csv/?search=vu+gioi+han"), "csv")
    assert [row[7] for row in rows[1:]] == ["giới hạn 2", "giới hạn 1"]


def test_entries_are_never_edited_or_deleted(app, client, auth, make, tree, dbq):
    """Are the ledger's edit, create and delete URLs refused, the entry unchanged?"""
    member = make.member(tree["B1"], "Đinh Không Sửa")
    entry_id = make_entry(app, member, 5, note="không sửa")
    auth.login(tree["admin"])
    token = csrf_token(client, "/admin/pointentry/")
    client.post(f"/admin/pointentry/edit/?id={entry_id}", data={"points": "50", "note": "sửa", "csrf_token": token})
    client.post("/admin/pointentry/delete/", data={"id": str(entry_id), "csrf_token": token})
    client.post("/admin/pointentry/new/", data={"member": str(member.id), "points": "50", "csrf_token": token})
    client.post("/admin/pointentry/action/", data={"action": "delete", "rowid": str(entry_id), "csrf_token": token})
    assert entries_of(dbq, member) == [(5, "read", "không sửa", None)]
    page = client.get("/admin/pointentry/?search=dinh+khong+sua").get_data(as_text=True)
    assert "/admin/pointentry/edit/" not in page and "/admin/pointentry/delete/" not in page


# -- manual awards -------------------------------------------------------------------------------------
def test_committee_awards_points_with_reason(app, client, auth, make, tree, dbq):
    """Does a committee's award write one entry with the reason and its author, audited, the member's total being the ledger's sum?"""
    member = make.member(tree["B2"], "Phan Được Cộng")
    make_entry(app, member, 4)
    auth.login(tree["committee"])
    response = award(client, member.id, 12, "  Hoàn thành xuất sắc   nhiệm vụ tuyên truyền ")
    assert response.status_code == 302
    assert entries_of(dbq, member)[1:] == [(12, "manual", "Hoàn thành xuất sắc nhiệm vụ tuyên truyền", tree["committee"].id)]
    assert dbq(lambda s: member_total(s, member.id)) == 16 == sum(e[0] for e in entries_of(dbq, member))
    audit = dbq(lambda s: s.execute(select(AuditEntry.action, AuditEntry.user_id).where(
        AuditEntry.action == "points_manual", AuditEntry.entity == "point_entry").order_by(AuditEntry.id.desc())).first())
    assert tuple(audit) == ("points_manual", tree["committee"].id)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã cộng 12 điểm cho Phan Được Cộng" in page


def test_secretary_may_not_award(app, client, auth, make, tree, dbq):
    """Is a branch secretary refused the award form (403), nothing written?"""
    member = make.member(tree["B1"], "Bùi Chưa Được Cộng")
    auth.login(tree["secretary"])
    assert client.get("/admin/points_award/").status_code == 403
    token = csrf_token(client, "/admin/pointentry/")
    response = client.post("/admin/points_award/", data={"member": str(member.id), "points": "5",
                                                          "reason": "Lý do đủ dài", "csrf_token": token})
    assert response.status_code == 403
    assert entries_of(dbq, member) == []
    assert 'data-testid="award-link"' not in client.get("/admin/pointentry/").get_data(as_text=True)


def test_award_to_a_member_outside_the_subtree_is_404(app, client, auth, make, tree, dbq):
    """Does a forged member id of another committee's branch get a 404 and write nothing?"""
    stranger = make.member(tree["B3"], "Ngô Ngoài Phạm Vi")
    auth.login(tree["committee"])
    assert award(client, stranger.id, 5, "Lý do hợp lệ").status_code == 404
    assert award(client, 10**12, 5, "Lý do hợp lệ").status_code == 404
    assert entries_of(dbq, stranger) == []


def test_award_checks_points_and_reason(app, client, auth, make, tree, dbq):
    """Are 0 or 51 points, and an empty or too short reason, refused with a Vietnamese message and nothing written?"""
    member = make.member(tree["B1"], "Lý Kiểm Tra Điểm")
    auth.login(tree["committee"])
    for points, reason, message in ((0, "Lý do hợp lệ", "Số điểm cộng phải từ 1 đến 50."),
                                    (51, "Lý do hợp lệ", "Số điểm cộng phải từ 1 đến 50."),
                                    ("", "Lý do hợp lệ", "Nhập số điểm từ 1 đến 50."),
                                    (5, "", "Vui lòng ghi lý do."),
                                    (5, "abc", "Lý do dài từ 5 đến 500 ký tự.")):
        response = award(client, member.id, points, reason)
        assert response.status_code == 400, (points, reason)
        assert message in response.get_data(as_text=True), (points, reason)
    assert entries_of(dbq, member) == []


def test_award_without_csrf_token_is_400(app, client, auth, make, tree, dbq):
    """Is an award posted without its CSRF token refused (400), nothing written?"""
    member = make.member(tree["B1"], "Mai Không Mã")
    auth.login(tree["committee"])
    assert award(client, member.id, 5, "Lý do hợp lệ", token=False).status_code == 400
    assert entries_of(dbq, member) == []


def test_member_lookup_is_scoped(app, client, auth, make, tree):
    """Does the award form's member lookup find "Nguyễn" by "nguyen" in the committee's subtree only?"""
    inside = make.member(tree["B2"], "Nguyễn Tra Cứu Trong")
    outside = make.member(tree["B3"], "Nguyễn Tra Cứu Ngoài")
    auth.login(tree["committee"])
    found = client.get("/admin/points_award/ajax/lookup/?name=member&query=nguyen+tra+cuu").get_json()
    assert [row[0] for row in found] == [inside.id]
    assert outside.id not in [row[0] for row in found]


# -- corrections ------------------------------------------------------------------------------------
def test_correction_takes_back_once(app, client, auth, make, tree, dbq):
    """Does a correction write a negative entry with its reason (audited), and are a second correction and a correction of a correction refused with the reason shown?"""
    member = make.member(tree["B1"], "Tạ Điều Chỉnh")
    entry_id = make_entry(app, member, 8, "read", "document:99")
    auth.login(tree["committee"])
    url = f"/admin/pointentry/correct/?id={entry_id}"
    form = client.get(url)
    assert form.status_code == 200 and "Tài liệu #99" in form.get_data(as_text=True)
    token = csrf_token(client, url)
    response = client.post(url, data={"id": entry_id, "points": "3", "reason": "Đọc trùng tài liệu", "csrf_token": token})
    assert response.status_code == 302
    assert entries_of(dbq, member) == [(8, "read", None, None), (-3, "correction", "Đọc trùng tài liệu", tree["committee"].id)]
    assert dbq(lambda s: s.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "points_correction")).scalar()) >= 1
    again = client.post(url, data={"id": entry_id, "reason": "Thử lần hai", "csrf_token": token})
    assert again.status_code == 400 and "Mục này đã được điều chỉnh." in again.get_data(as_text=True)
    correction_id = dbq(lambda s: s.execute(select(PointEntry.id).where(
        PointEntry.member_id == member.id, PointEntry.source == "correction")).scalar())
    nested = client.post(f"/admin/pointentry/correct/?id={correction_id}",
                         data={"id": correction_id, "reason": "Điều chỉnh lại", "csrf_token": token})
    assert nested.status_code == 400 and "Không điều chỉnh một mục điều chỉnh" in nested.get_data(as_text=True)
    too_many = make_entry(app, member, 2)
    over = client.post(f"/admin/pointentry/correct/?id={too_many}",
                       data={"id": too_many, "points": "5", "reason": "Trừ quá số điểm", "csrf_token": token})
    assert over.status_code == 400 and "Số điểm trừ lại phải từ 1 đến 2." in over.get_data(as_text=True)
    assert len(entries_of(dbq, member)) == 3


def test_correction_is_for_committees_in_scope(app, client, auth, make, tree, dbq):
    """Is a secretary refused the correction (403), and a committee refused another committee's entry (404)?"""
    own = make.member(tree["B1"], "Kiều Không Quyền")
    stranger = make.member(tree["B3"], "Kiều Ngoài Phạm Vi")
    own_entry, other_entry = make_entry(app, own, 5), make_entry(app, stranger, 5)
    auth.login(tree["secretary"])
    assert client.get(f"/admin/pointentry/correct/?id={own_entry}").status_code == 403
    auth.logout()
    auth.login(tree["committee"])
    assert client.get(f"/admin/pointentry/correct/?id={other_entry}").status_code == 404
    token = csrf_token(client, "/admin/pointentry/")
    assert client.post(f"/admin/pointentry/correct/?id={other_entry}",
                       data={"id": other_entry, "reason": "Lý do hợp lệ", "csrf_token": token}).status_code == 404
    assert len(entries_of(dbq, stranger)) == 1


# -- quiz attempts ---------------------------------------------------------------------------------------
def _quiz_with_questions(app, org, **fields):
    """A published quiz of ``org`` and its three questions."""
    category = make_category(app, org)
    questions = make_questions(app, category, 3)
    return make_quiz(app, org, [category], **fields), questions


def test_attempts_list_scope_and_filters(app, client, auth, make, tree):
    """Does a committee see only its subtree's attempts, found by member name and narrowed by status and passed?"""
    quiz, questions = _quiz_with_questions(app, tree["P"], title="Bài thi lượt làm XY1")
    mine = make.member(tree["B1"], "Lương Làm Bài Một")
    mine_open = make.member(tree["B2"], "Lương Làm Bài Hai")
    theirs = make.member(tree["B3"], "Lương Làm Bài Ba")
    make_attempt(app, quiz, mine, questions, [True, True, False])
    make_attempt(app, quiz, mine_open, questions, [False, False, False], status="open")
    make_attempt(app, quiz, theirs, questions, [True, True, True])
    auth.login(tree["committee"])

    def names(**params):
        page = client.get("/admin/quizattempt/", query_string={"search": "luong lam bai", **params}).get_data(as_text=True)
        return {n for n in ("Lương Làm Bài Một", "Lương Làm Bài Hai", "Lương Làm Bài Ba") if n in page}

    assert names() == {"Lương Làm Bài Một", "Lương Làm Bài Hai"}
    assert names(**{filter_arg(app, "quizattempt", "Trạng thái", "bằng"): "open"}) == {"Lương Làm Bài Hai"}
    assert names(**{filter_arg(app, "quizattempt", "Đạt", "bằng"): "1"}) == {"Lương Làm Bài Một"}
    assert names(**{filter_arg(app, "quizattempt", "Mã bài thi"): str(quiz.id)}) == {"Lương Làm Bài Một", "Lương Làm Bài Hai"}
    page = client.get("/admin/quizattempt/?search=luong+lam+bai+mot").get_data(as_text=True)
    assert "Bài thi lượt làm XY1" in page and "Đã nộp" in page and "66,7" in page and "Chi bộ B1" in page
    auth.logout()
    auth.login(tree["member"])
    assert client.get("/admin/quizattempt/").status_code == 403


def test_attempt_details_show_answers_after_submission_only(app, client, auth, make, tree):
    """Does a finished attempt's page show each question with the member's choice and the right option, and an open one neither?"""
    quiz, questions = _quiz_with_questions(app, tree["G1"])
    member = make.member(tree["B1"], "Châu Xem Bài")
    done = make_attempt(app, quiz, member, questions, [True, False, True])
    running = make_attempt(app, quiz, member, questions, [True, True, True], number=2, status="open")
    auth.login(tree["secretary"])
    page = client.get(f"/admin/quizattempt/details/?id={done}").get_data(as_text=True)
    items = re.findall(r'data-chosen="(yes|no)" data-correct="(yes|no)"', page)
    assert len(items) == 12  # three questions of four options
    assert items[4:8] == [("no", "yes"), ("yes", "no"), ("no", "no"), ("no", "no")]  # question 2: chose a wrong one
    assert questions[1].text in page and "(đáp án đúng)" in page
    open_page = client.get(f"/admin/quizattempt/details/?id={running}").get_data(as_text=True)
    assert 'data-testid="attempt-open"' in open_page
    assert "(đáp án đúng)" not in open_page and questions[0].options[0]["text"] not in open_page
    # The ledger's reference links to the attempt.
    ledger = client.get("/admin/pointentry/?search=chau+xem+bai").get_data(as_text=True)
    assert f"/admin/quizattempt/details/?id={done}" in ledger


def test_list_pages_run_the_same_queries_whatever_their_rows(app, client, auth, make, tree):
    """Do the ledger and attempts pages run as many statements for 20 rows as for 2 (no query per row)?"""
    from support import count_queries

    few, many = make.member(tree["B1"], "Quách Ít Dòng"), make.member(tree["B2"], "Quách Nhiều Dòng")
    quiz, questions = _quiz_with_questions(app, tree["P"])
    for member, n in ((few, 2), (many, 20)):
        for i in range(n):
            make_entry(app, member, 1, "manual", note=f"dòng {i}", created_by=tree["committee"])
        for i in range(min(n, 2) if member is few else 3):
            make_attempt(app, quiz, member, questions, [True, False, True], number=i + 1)
    auth.login(tree["committee"])
    with app.app_context():
        engine = db.engine
    counts = {}
    for name in ("quach it dong", "quach nhieu dong"):
        for url in ("/admin/pointentry/", "/admin/quizattempt/"):
            client.get(url, query_string={"search": name})  # warm
            with count_queries(engine) as seen:
                assert client.get(url, query_string={"search": name}).status_code == 200
            counts[(name, url)] = seen.count
    assert counts[("quach it dong", "/admin/pointentry/")] == counts[("quach nhieu dong", "/admin/pointentry/")]
    assert counts[("quach it dong", "/admin/quizattempt/")] == counts[("quach nhieu dong", "/admin/quizattempt/")]
