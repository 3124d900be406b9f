"""Roles × screens × actions: a row outside the user's subtree never shows and cannot be touched.

The matrix loops over every screen registered in the back office whose model is scoped; each
screen's model needs a row maker below, so a new screen cannot slip in untested. Every action goes
through the real pages with CSRF; what is saved is checked in the database.
"""
import itertools
import re
from datetime import date, datetime
from typing import NamedTuple

import pytest
from flask_login import login_user
from sqlalchemy import String, func, inspect, select

from handbook import create_app
from handbook.admin.base import ScopedModelView
from handbook.audit.models import AuditEntry
from handbook.audit.operations import record
from handbook.auth.models import User
from handbook.config import TestConfig
from handbook.content.models import Article, Attachment, Document, ReadMark
from handbook.extensions import db
from handbook.jobs import JobRun
from handbook.organizations.models import Discipline, Member, Organization
from handbook.privacy.models import CorrectionRequest
from handbook.ratings.models import MemberRating, OrganizationRating, RatingRuleSet, RatingStep
from handbook.roster.models import MemberImport
from handbook.reports.models import GeneratedReport
from handbook.study.models import (LeaderboardSetting, PointEntry, PointRule, Quiz, QuizAttempt, QuizCategory,
                                   QuizQuestion, StudyTopic)
from support import csrf_token, export_rows

STAFF = ["admin", "committee", "secretary"]
FORGED_IDS = ["abc", "-1", "0", "1000000000000", "99999999999999999999999", "1 OR 1=1"]
_n = itertools.count(1)


def _registered_screens() -> list[str]:
    """The endpoints of every admin screen over a scoped model, as the app registers them."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    return [v.endpoint for v in _scoped_views(app)]


def _scoped_views(app) -> list[ScopedModelView]:
    admin = app.extensions["handbook_admin"]
    return [v for v in admin._views if isinstance(v, ScopedModelView) and hasattr(v.model, "__scope__")]


SCREENS = _registered_screens()


# -- row makers: one per model, each puts a row under an organization of the tree ---------------
class Row(NamedTuple):
    """A row made for the matrix: its id, a text that identifies it on pages and in exports, and the
    organization that places it in the tree (None: a province-level row only the admin sees)."""

    id: int
    label: str
    org: Organization | None


def _save(make, obj):
    """Save any model with the factory (its own app context; the row comes back detached)."""
    return make._save(obj)


def _member(make, org) -> Member:
    """A member named apart from the names other tests search for ("dang", "huong"...)."""
    return make.member(org, f"Lê Văn Ma Trận {next(_n):06d}")


def _org_row(make, tree, anchor):
    org = make.org(tree[{"B1": "G1", "B2": "G1", "B3": "G2"}[anchor]], "branch", f"Ma trận {next(_n):06d}")
    return Row(org.id, org.code, org)


def _member_row(make, tree, anchor):
    member = _member(make, tree[anchor])
    return Row(member.id, member.card_number, tree[anchor])


def _user_row(make, tree, anchor):
    user = make.user("member", tree[anchor], _member(make, tree[anchor]))
    return Row(user.id, user.login, tree[anchor])


def _article_row(make, tree, anchor):
    article = _save(make, Article(title=f"Tin thử ma trận {next(_n):06d}", body_html="<p>Nội dung</p>",
                                  organization_id=tree[anchor].id, status="published", published_at=datetime(2026, 1, 1)))
    return Row(article.id, article.title, tree[anchor])


def _document(make, org) -> Document:
    return _save(make, Document(doc_type="plan", title=f"Văn bản thử ma trận {next(_n):06d}", level="local",
                                organization_id=org.id, status="published", published_at=datetime(2026, 1, 1)))


def _document_row(make, tree, anchor):
    document = _document(make, tree[anchor])
    return Row(document.id, document.title, tree[anchor])


def _attachment_row(make, tree, anchor):
    n = next(_n)
    attachment = _save(make, Attachment(document_id=_document(make, tree[anchor]).id, original_name=f"tep-ma-tran-{n:06d}.pdf",
                                        stored_name=f"matrix-{n:06d}.pdf", kind="pdf", mime="application/pdf", size=10))
    return Row(attachment.id, attachment.original_name, tree[anchor])


def _read_mark_row(make, tree, anchor):
    member = _member(make, tree[anchor])
    article = _article_row(make, tree, anchor)
    mark = _save(make, ReadMark(member_id=member.id, article_id=article.id))
    return Row(mark.id, member.card_number, tree[anchor])


def _point_rule_row(make, tree, anchor):
    with make.app.app_context():
        rule = db.session.execute(select(PointRule).where(PointRule.source == "meeting")).scalar_one_or_none()
        rule_id = rule.id if rule else None
        if rule is not None and rule.note != "Quy tắc thử ma trận":
            rule.note = "Quy tắc thử ma trận"  # another test made the rule with a note of its own
            db.session.commit()
    if rule_id is None:
        rule_id = _save(make, PointRule(source="meeting", daily_cap=3, note="Quy tắc thử ma trận")).id
    return Row(rule_id, "Quy tắc thử ma trận", None)


def _correction_row(make, tree, anchor):
    value = f"09{next(_n):08d}"
    request = _save(make, CorrectionRequest(member_id=_member(make, tree[anchor]).id, field="phone", requested_value=value))
    return Row(request.id, value, tree[anchor])


def _audit_row(make, tree, anchor):
    actor = make.user("secretary", tree[anchor])
    with make.app.app_context():
        entry_id = record("view", "organization", tree[anchor].id, user=db.session.get(User, actor.id), separate=True)
    return Row(entry_id, actor.login, tree[anchor])


def _job_run_row(make, tree, anchor):
    label = f"JR{next(_n):06d}"
    run = _save(make, JobRun(job="sweep-uploads", period=f"2026-01-01 matrix {label}", ok=True, result={"matrix": label}))
    return Row(run.id, label, None)


def _report_row(make, tree, anchor):
    period = f"{1100 + next(_n) % 8000:04d}-07"  # shown as "07/1234": a label no other row has
    report = _save(make, GeneratedReport(kind="monthly", organization_id=tree[anchor].id, period=period,
                                         xlsx_path=f"matrix/{period}.xlsx", pdf_path=f"matrix/{period}.pdf"))
    return Row(report.id, f"07/{period[:4]}", tree[anchor])


def _member_rating(make, tree, anchor) -> tuple[MemberRating, Member]:
    member = _member(make, tree[anchor])
    rating = _save(make, MemberRating(year=2025, rule_set_id=1, member_id=member.id, organization_id=tree[anchor].id,
                                      evidence={}, self_scores={}))
    return rating, member


def _member_rating_row(make, tree, anchor):
    rating, member = _member_rating(make, tree, anchor)
    return Row(rating.id, member.full_name, tree[anchor])


def _organization_rating_row(make, tree, anchor):
    org = make.org(tree[anchor], "branch", f"Tổ ma trận {next(_n):06d}")
    row = _save(make, OrganizationRating(year=2025, rule_set_id=1, organization_id=org.id, counts={"rated": 1}))
    return Row(row.id, org.name, org)


def _rating_step_row(make, tree, anchor):
    rating, member = _member_rating(make, tree, anchor)
    step = _save(make, RatingStep(member_rating_id=rating.id, step="self", level="good", detail={}))
    return Row(step.id, member.full_name, tree[anchor])


def _rule_set_row(make, tree, anchor):
    year = 2200 + next(_n)
    rule_set = _save(make, RatingRuleSet(year=year, name=f"Bộ tiêu chí ma trận {year}", regulation="366-QĐ/TW"))
    return Row(rule_set.id, rule_set.name, None)


def _discipline_row(make, tree, anchor):
    member = _member(make, tree[anchor])
    row = _save(make, Discipline(member_id=member.id, form="reprimand", decided_on=date(2025, 5, 1)))
    return Row(row.id, member.card_number, tree[anchor])


def _import_row(make, tree, anchor):
    name = f"nhap-ma-tran-{next(_n):06d}.xlsx"
    row = _save(make, MemberImport(organization_id=tree[anchor].id, filename=name, stored_name=name, status="invalid"))
    return Row(row.id, name, tree[anchor])


def _topic_row(make, tree, anchor):
    title = f"Chuyên đề ma trận {next(_n):06d}"
    row = _save(make, StudyTopic(title=title, month=date(2026, 1, 1), body_html="<p>Nội dung</p>",
                                 organization_id=tree[anchor].id, status="published", published_at=datetime(2026, 1, 1)))
    return Row(row.id, title, tree[anchor])


def _category(make, org) -> QuizCategory:
    return _save(make, QuizCategory(name=f"Lĩnh vực ma trận {next(_n):06d}", organization_id=org.id))


def _category_row(make, tree, anchor):
    row = _category(make, tree[anchor])
    return Row(row.id, row.name, tree[anchor])


def _question_row(make, tree, anchor):
    text = f"Câu hỏi ma trận {next(_n):06d}?"
    row = _save(make, QuizQuestion(category_id=_category(make, tree[anchor]).id, text=text, kind="single",
                                   options=[{"text": "Đúng", "correct": True}, {"text": "Sai", "correct": False}]))
    return Row(row.id, text, tree[anchor])


def _quiz(make, org, title=None) -> Quiz:
    return _save(make, Quiz(title=title or f"Bài thi ma trận {next(_n):06d}", organization_id=org.id, status="published",
                            opens_at=datetime(2026, 1, 1), closes_at=datetime(2026, 2, 1), question_count=1))


def _quiz_row(make, tree, anchor):
    row = _quiz(make, tree[anchor])
    return Row(row.id, row.title, tree[anchor])


def _attempt_row(make, tree, anchor):
    member = _member(make, tree[anchor])
    row = _save(make, QuizAttempt(quiz_id=_quiz(make, tree[anchor]).id, member_id=member.id,
                                  organization_id=tree[anchor].id, status="submitted", started_at=datetime(2026, 1, 5),
                                  deadline=datetime(2026, 1, 5, 0, 15), submitted_at=datetime(2026, 1, 5, 0, 10),
                                  layout=[], answers={}, correct_count=1, question_count=1, score=100, passed=True))
    return Row(row.id, member.full_name, tree[anchor])


def _point_entry_row(make, tree, anchor):
    member = _member(make, tree[anchor])
    note = f"Cộng điểm ma trận {next(_n):06d}"
    row = _save(make, PointEntry(member_id=member.id, source="manual", reference=f"manual:matrix-{next(_n)}",
                                 points=3, note=note))
    return Row(row.id, member.full_name, tree[anchor])


def _leaderboard_row(make, tree, anchor):
    # One setting per organization: each row gets a branch of its own beside the anchor.
    org = make.org(tree[{"B1": "G1", "B2": "G1", "B3": "G2"}[anchor]], "branch", f"Ma trận {next(_n):06d}")
    note = f"Bảng xếp hạng ma trận {next(_n):06d}"
    row = _save(make, LeaderboardSetting(organization_id=org.id, mode="hidden", note=note))
    return Row(row.id, note, org)


MAKERS = {
    Organization: _org_row, Member: _member_row, User: _user_row, Article: _article_row, Document: _document_row,
    Attachment: _attachment_row, ReadMark: _read_mark_row, PointRule: _point_rule_row,
    CorrectionRequest: _correction_row, AuditEntry: _audit_row, JobRun: _job_run_row, GeneratedReport: _report_row,
    MemberRating: _member_rating_row, OrganizationRating: _organization_rating_row, RatingStep: _rating_step_row,
    RatingRuleSet: _rule_set_row, Discipline: _discipline_row, MemberImport: _import_row,
    StudyTopic: _topic_row, QuizCategory: _category_row, QuizQuestion: _question_row, Quiz: _quiz_row,
    QuizAttempt: _attempt_row, PointEntry: _point_entry_row, LeaderboardSetting: _leaderboard_row,
}


# -- helpers -------------------------------------------------------------------------------------
def _view(app, endpoint) -> ScopedModelView:
    """The registered view of ``endpoint``; fails loudly when its model has no row maker."""
    view = next(v for v in _scoped_views(app) if v.endpoint == endpoint)
    if view.model not in MAKERS:
        pytest.fail(f"screen {endpoint!r} ({view.model.__name__}) has no row maker in MAKERS: add one")
    return view


def _scope_path(tree, role):
    """The subtree path of each role's account in the tree fixture (None: everything)."""
    return {"admin": None, "committee": tree["C1"].path, "secretary": tree["B1"].path}[role]


def _inside(tree, role, row: Row) -> bool:
    """Independent of the app's scoping: may ``role`` see ``row``?"""
    if role == "admin":
        return True
    return row.org is not None and row.org.path.startswith(_scope_path(tree, role))


def _make_rows(make, tree, model) -> list[Row]:
    """Rows of ``model`` in three branches: B1 (the secretary's), B2 (the committee's), B3 (another committee's)."""
    return [MAKERS[model](make, tree, anchor) for anchor in ("B1", "B2", "B3")]


def _split(tree, role, rows):
    return [r for r in rows if _inside(tree, role, r)], [r for r in rows if not _inside(tree, role, r)]


def _snapshot(dbq, model, row_id):
    """Every column of one row as saved (None when the row is gone)."""

    def read(s):
        obj = s.get(model, row_id)
        return None if obj is None else {c.key: getattr(obj, c.key) for c in inspect(model).column_attrs}

    return dbq(read)


def _powers(app, view, user) -> dict:
    """What ``view`` lets ``user`` do (its properties depend on the logged-in user)."""
    with app.test_request_context(f"/admin/{view.endpoint}/"):
        login_user(db.session.get(User, user.id))
        return {name: bool(getattr(view, name)) for name in ("can_create", "can_edit", "can_delete", "can_export")}


def _payload(model, token) -> dict:
    """A form that would change every text field of ``model``."""
    fields = {c.key: "Bị sửa" for c in inspect(model).column_attrs if isinstance(c.columns[0].type, String)}
    return {**fields, "csrf_token": token}


def _assert_refused(response, row: Row):
    """404, 403, or a redirect to the list (a write the screen does not allow); never the row's data."""
    assert response.status_code in (302, 403, 404), response.status_code
    if response.status_code == 302:
        assert "/details/" not in response.location and "/edit/" not in response.location
    assert row.label not in response.get_data(as_text=True)


def _shown(page: str) -> str:
    """The text of a list page's rows, without markup (links and forms repeat the search term)."""
    body = re.search(r"(?s)model-list.*?</thead>(.*?)</table>", page)
    return re.sub(r"<[^>]+>", " ", body.group(1)) if body else ""


def _cells(response, export_type, first_column_only=False) -> set[str]:
    """Every cell of an exported file (or only each line's first)."""
    return {c for line in export_rows(response, export_type) for c in (line[:1] if first_column_only else line)}


def _still_there(dbq, model, row) -> bool:
    return dbq(lambda s: s.get(model, row.id)) is not None


@pytest.fixture
def as_role(client, auth, tree):
    """Log in as one of the tree's accounts."""

    def login(role):
        assert auth.login(tree[role]).status_code == 302
        return client

    return login


# -- the matrix ------------------------------------------------------------------------------------
def test_every_registered_screen_is_in_the_matrix(app):
    """Is every scoped screen the app registers covered, each with a row maker for its model?"""
    views = _scoped_views(app)
    assert [v.endpoint for v in views] == SCREENS
    assert {"organization", "member", "user", "audit", "correction"} <= set(SCREENS)
    missing = screens_without_maker(app)
    assert not missing, f"screens without a row maker: {missing}"


def screens_without_maker(app) -> list[str]:
    """The registered scoped screens whose model the matrix cannot make rows of."""
    return [f"{v.endpoint} ({v.model.__name__})" for v in _scoped_views(app) if v.model not in MAKERS]


def test_a_screen_registered_outside_the_matrix_is_caught(app, monkeypatch):
    """Would a domain that registers a scoped screen the matrix has no row maker for fail the suite?"""
    from handbook.organizations.models import Member

    assert screens_without_maker(app) == []
    monkeypatch.delitem(MAKERS, Member)
    assert screens_without_maker(app) == ["member (Member)"]


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("role", STAFF)
def test_list_and_search_show_only_the_subtree(app, as_role, make, tree, role, screen):
    """Does the list (and a search for each row) show rows inside the scope and never one outside?"""
    view = _view(app, screen)
    rows = _make_rows(make, tree, view.model)
    client = as_role(role)
    if role not in view.allowed_roles:
        assert client.get(f"/admin/{screen}/").status_code == 403
        return
    inside, outside = _split(tree, role, rows)
    page = client.get(f"/admin/{screen}/?page_size=100")
    assert page.status_code == 200
    text = _shown(page.get_data(as_text=True))
    for row in outside:
        assert row.label not in text
    if not view.column_searchable_list:
        for row in inside:
            assert row.label in text
        return
    for row in rows:
        found = _shown(client.get(f"/admin/{screen}/", query_string={"search": row.label}).get_data(as_text=True))
        assert (row.label in found) == (row in inside), (row, role)


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("role", STAFF)
def test_detail_edit_delete_outside_scope_are_refused(app, as_role, dbq, make, tree, role, screen):
    """Do detail, edit (GET and POST) and delete of a row outside scope refuse (404, or 403 off the screen) and change nothing?"""
    view = _view(app, screen)
    rows = _make_rows(make, tree, view.model)
    client = as_role(role)
    _, outside = _split(tree, role, rows)
    if role == "admin":
        assert outside == []
    token = csrf_token(client, "/")
    for row in outside:
        before = _snapshot(dbq, view.model, row.id)
        for url in (f"/admin/{screen}/details/?id={row.id}", f"/admin/{screen}/edit/?id={row.id}"):
            _assert_refused(client.get(url), row)
        _assert_refused(client.post(f"/admin/{screen}/edit/?id={row.id}", data=_payload(view.model, token)), row)
        _assert_refused(client.post(f"/admin/{screen}/delete/", data={"id": row.id, "csrf_token": token}), row)
        assert _snapshot(dbq, view.model, row.id) == before


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("role", STAFF)
def test_writes_the_screen_does_not_allow_are_refused(app, as_role, dbq, make, tree, role, screen):
    """Where a screen is read-only for a role (the audit, job runs, read marks...), are create, edit, delete and bulk delete of rows inside scope refused, with nothing changed?"""
    view = _view(app, screen)
    rows = _make_rows(make, tree, view.model)
    client = as_role(role)
    powers = _powers(app, view, tree[role]) if role in view.allowed_roles else dict.fromkeys(
        ("can_create", "can_edit", "can_delete", "can_export"), False)
    inside, _ = _split(tree, role, rows)
    token = csrf_token(client, "/")
    count = dbq(lambda s: s.execute(select(func.count()).select_from(view.model)).scalar())
    if not powers["can_create"]:
        r = client.post(f"/admin/{screen}/new/", data=_payload(view.model, token))
        assert r.status_code in (302, 403, 404)
        assert dbq(lambda s: s.execute(select(func.count()).select_from(view.model)).scalar()) == count
    for row in inside:
        before = _snapshot(dbq, view.model, row.id)
        if not powers["can_edit"]:
            _assert_refused(client.post(f"/admin/{screen}/edit/?id={row.id}", data=_payload(view.model, token)), row)
        if not powers["can_delete"]:
            _assert_refused(client.post(f"/admin/{screen}/delete/", data={"id": row.id, "csrf_token": token}), row)
            client.post(f"/admin/{screen}/action/", data={"action": "delete", "csrf_token": token, "rowid": [str(row.id)]})
        assert _snapshot(dbq, view.model, row.id) == before


@pytest.mark.parametrize("export_type", ["csv", "xlsx"])
@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("role", STAFF)
def test_exports_hold_only_the_subtree(app, as_role, make, tree, role, screen, export_type):
    """Do the CSV and xlsx exports hold rows inside scope and none outside (and are refused where a screen exports nothing)?"""
    view = _view(app, screen)
    rows = _make_rows(make, tree, view.model)
    client = as_role(role)
    r = client.get(f"/admin/{screen}/export/{export_type}/")
    if role not in view.allowed_roles or not view.can_export:
        assert r.status_code in (302, 403, 404)
        assert not any(row.label in r.get_data(as_text=True) for row in rows)
        return
    assert r.status_code == 200
    # An organization row starts with its code; the scope root's parent is named in the root's parent
    # columns (as on the list page), never as a row of its own.
    cells = _cells(r, export_type, first_column_only=view.model is Organization)
    inside, outside = _split(tree, role, rows)
    for row in inside:
        assert row.label in cells
    for row in outside:
        assert row.label not in cells


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("role", STAFF)
def test_ajax_lookups_offer_only_the_subtree(app, as_role, make, tree, role, screen):
    """Does every search-as-you-type dropdown of the screen offer rows inside scope and none outside?"""
    view = _view(app, screen)
    client = as_role(role)
    for field, loader in (view._form_ajax_refs or {}).items():
        if loader.model not in MAKERS:
            pytest.fail(f"lookup {screen}.{field} offers {loader.model.__name__}, which has no row maker")
        rows = _make_rows(make, tree, loader.model)
        for row in rows:
            r = client.get(f"/admin/{screen}/ajax/lookup/", query_string={"name": field, "query": row.label})
            if role not in view.allowed_roles:
                assert r.status_code == 403
                continue
            ids = {item[0] for item in r.get_json()}
            assert (row.id in ids) == _inside(tree, role, row), (role, screen, field, row)


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("role", STAFF)
def test_bulk_actions_with_forged_ids_touch_nothing_outside(app, as_role, dbq, make, tree, role, screen):
    """Does every bulk action, given ids outside scope and forged ones, leave those rows as they were?"""
    view = _view(app, screen)
    rows = _make_rows(make, tree, view.model)
    client = as_role(role)
    _, outside = _split(tree, role, rows)
    token = csrf_token(client, "/")
    before = {row.id: _snapshot(dbq, view.model, row.id) for row in outside}
    for action in [name for name, _text in view._actions] or ["delete"]:
        r = client.post(f"/admin/{screen}/action/", data={
            "action": action, "csrf_token": token, "rowid": [str(row.id) for row in outside] + FORGED_IDS})
        assert r.status_code in (200, 302, 403, 404), (action, r.status_code)
    assert {row.id: _snapshot(dbq, view.model, row.id) for row in outside} == before


@pytest.mark.parametrize("role", STAFF + ["member"])
def test_correction_answers_outside_the_subtree_are_refused(as_role, dbq, make, tree, role):
    """Does the correction screen's own action (accept / reject) refuse rows outside scope and forged ids
    with 404 (403 for a member, who has no back office), changing nothing?"""
    rows = _make_rows(make, tree, CorrectionRequest)
    client = as_role(role)
    outside = rows if role == "member" else _split(tree, role, rows)[1]
    token = csrf_token(client, "/")
    before = {row.id: _snapshot(dbq, CorrectionRequest, row.id) for row in outside}
    for ident in [row.id for row in outside] + FORGED_IDS:
        for decision in ("accept", "reject"):
            r = client.post("/admin/correction/answer/", query_string={"id": ident}, data={
                "csrf_token": token, "decision": decision, "response": "Bị sửa", "version": "1"})
            assert r.status_code == (403 if role == "member" else 404), (ident, decision)
    assert {row.id: _snapshot(dbq, CorrectionRequest, row.id) for row in outside} == before


@pytest.mark.parametrize("screen", SCREENS)
def test_member_role_gets_403_on_every_screen(app, as_role, dbq, make, tree, screen):
    """Is a member kept out of every screen and action of the back office?"""
    view = _view(app, screen)
    row = _make_rows(make, tree, view.model)[0]
    client = as_role("member")
    for url in (f"/admin/{screen}/", f"/admin/{screen}/details/?id={row.id}", f"/admin/{screen}/edit/?id={row.id}",
                f"/admin/{screen}/new/", f"/admin/{screen}/export/csv/", f"/admin/{screen}/ajax/lookup/?name=organization&query=a"):
        assert client.get(url).status_code == 403, url
    token = csrf_token(client, "/")
    for url, data in ((f"/admin/{screen}/delete/", {"id": row.id}), (f"/admin/{screen}/action/", {"action": "delete", "rowid": [row.id]})):
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 403, url
    assert _still_there(dbq, view.model, row)


@pytest.mark.parametrize("role", STAFF)
def test_plain_dropdowns_are_scoped_too(app, tree, role):
    """Would a relationship rendered as a plain <select> (no ajax) offer only the subtree?"""
    from flask_login import login_user

    from handbook.extensions import db
    from handbook.organizations.admin import MemberView

    class PlainMemberView(MemberView):
        form_ajax_refs = None

    with app.test_request_context("/admin/member/new/"):
        login_user(db.session.get(User, tree[role].id))
        view = PlainMemberView(Member, db, endpoint=f"plain_member_{role}")
        offered = {o.code for o in view.create_form().organization.query_factory()}
    expected = {"admin": {"P", "C1", "C2", "G1", "G2", "B1", "B2", "B3"},
                "committee": {"C1", "G1", "B1", "B2"}, "secretary": {"B1"}}[role]
    codes = {tree[k].code: k for k in ("P", "C1", "C2", "G1", "G2", "B1", "B2", "B3")}
    assert {codes[c] for c in offered if c in codes} == expected


def test_committee_cannot_move_a_branch_out_of_its_subtree(as_role, dbq, tree, make):
    """Is an edit that would put an organization under another committee refused, and nothing moved?"""
    client = as_role("committee")
    branch = make.org(tree["G1"], "branch", "Chi bộ sẽ không chuyển")
    token = csrf_token(client, f"/admin/organization/edit/?id={branch.id}")
    r = client.post(f"/admin/organization/edit/?id={branch.id}", data={
        "csrf_token": token, "code": branch.code, "name": branch.name, "kind": "branch", "parent": str(tree["G2"].id),
    })
    assert r.status_code == 200
    assert "Lựa chọn không hợp lệ" in r.get_data(as_text=True)
    assert dbq(lambda s: s.get(Organization, branch.id).parent_id) == tree["G1"].id
    assert dbq(lambda s: s.get(Organization, branch.id).path) == branch.path


def test_secretary_cannot_create_a_member_in_another_branch(as_role, dbq, tree):
    """Is a secretary's create with a forged branch id outside their scope refused?"""
    client = as_role("secretary")
    token = csrf_token(client, "/admin/member/new/")
    r = client.post("/admin/member/new/", data={
        "csrf_token": token, "full_name": "Người Ngoài Phạm Vi", "card_number": "77700001",
        "organization": str(tree["B3"].id), "status": "official", "position": "member", "gender": "male",
    })
    assert r.status_code == 200
    assert "Lựa chọn không hợp lệ" in r.get_data(as_text=True)
    assert dbq(lambda s: s.execute(select(Member).where(Member.card_number == "77700001")).first()) is None


def test_committee_cannot_grant_admin(as_role, dbq, tree):
    """Can a committee account create an admin account? (It must not.)"""
    client = as_role("committee")
    token = csrf_token(client, "/admin/user/new/")
    r = client.post("/admin/user/new/", data={
        "csrf_token": token, "login": "nguoila@test.vn", "role": "admin", "organization": str(tree["C1"].id),
        "active": "y", "new_password": "matkhau-dai-123",
    })
    assert "Bạn không thể cấp vai trò cao hơn vai trò của mình." in r.get_data(as_text=True)
    assert dbq(lambda s: s.execute(select(User).where(User.login == "nguoila@test.vn")).first()) is None


def test_committee_edits_and_deletes_inside_its_subtree(as_role, dbq, tree, make):
    """Can a committee edit and delete a member inside its subtree (the positive side of the matrix)?"""
    client = as_role("committee")
    member = make.member(tree["B2"], "Vũ Văn Sửa")
    token = csrf_token(client, f"/admin/member/edit/?id={member.id}")
    r = client.post(f"/admin/member/edit/?id={member.id}", data={
        "csrf_token": token, "full_name": "Vũ Văn Đã Sửa", "card_number": member.card_number,
        "organization": str(tree["B2"].id), "status": "official", "position": "member", "gender": "male",
    })
    body = r.get_data(as_text=True)
    assert r.status_code == 302, re.findall(r"(?s)(alert[^>]*>.{0,300}|invalid-feedback[^>]*>.{0,200})", body)
    assert dbq(lambda s: s.get(Member, member.id).full_name) == "Vũ Văn Đã Sửa"
    r = client.post("/admin/member/delete/", data={"id": member.id, "csrf_token": token})
    assert r.status_code == 302
    assert dbq(lambda s: s.get(Member, member.id)) is None


def test_bulk_delete_removes_rows_inside_scope_only(as_role, dbq, tree, make):
    """Given in-scope and out-of-scope ids together, does bulk delete remove exactly the in-scope ones?"""
    client = as_role("committee")
    mine = [make.member(tree["B2"]) for _ in range(2)]
    theirs = make.member(tree["B3"])
    token = csrf_token(client, "/admin/member/")
    ids = [str(m.id) for m in mine] + [str(theirs.id), "abc", "99999999999999999999999"]
    r = client.post("/admin/member/action/", data={"action": "delete", "csrf_token": token, "rowid": ids})
    assert r.status_code == 302
    assert [_still_there(dbq, Member, m) for m in mine] == [False, False]
    assert _still_there(dbq, Member, theirs)
