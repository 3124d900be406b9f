"""No lost edits: two people open the same record; the second save, made from a stale form, is refused.

Each test opens the real edit pages in two logged-in browsers (test clients), submits the forms as
the pages sent them (CSRF and the hidden version included) and checks what the database holds.
"""
import re
from datetime import date
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select, update

from content_support import make_article, make_document
from handbook.admin.base import ScopedModelView
from handbook.audit.models import AuditEntry
from handbook.auth.models import User
from handbook.content.models import Article, Document
from handbook.extensions import db
from handbook.organizations.admin import MemberView
from handbook.organizations.models import Discipline, Member, Organization
from handbook.study.models import LeaderboardSetting, PointRule, Quiz, QuizCategory, QuizQuestion, StudyTopic
from handbook.versioning import is_versioned
from study_support import make_category, make_questions, make_quiz, make_topic
from support import PASSWORD, AuthActions, logged_in_client

REFUSED = "Chưa lưu thay đổi của bạn"


class _AdminForm(HTMLParser):
    """The fields of Flask-Admin's edit form as a browser would submit them unchanged."""

    def __init__(self):
        super().__init__()
        self.fields, self._in_form, self._select, self._textarea = {}, False, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._in_form = "admin-form" in (a.get("class") or "")
        if not self._in_form or not a.get("name"):
            if tag == "option" and self._select and ("selected" in a or self._select not in self.fields):
                self.fields[self._select] = a.get("value", "")
            return
        if tag == "input" and a.get("type") not in ("file", "submit", "button"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.fields[a["name"]] = a.get("value", "y" if a.get("type") == "checkbox" else "")
        elif tag == "select":
            self._select = a["name"]
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields[a["name"]] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def form_of(html: str) -> dict:
    """What the edit page's form would submit if saved as loaded."""
    parser = _AdminForm()
    parser.feed(html)
    return parser.fields


@pytest.fixture
def staff(app):
    """A logged-in test client for an account: each one is a separate person with a browser of their own."""

    return lambda user: logged_in_client(app, user)


def open_edit(client, screen: str, ident: int) -> dict:
    """Open the edit page of a row and return its form as loaded."""
    response = client.get(f"/admin/{screen}/edit/?id={ident}")
    assert response.status_code == 200
    return form_of(response.get_data(as_text=True))


def save(client, screen: str, ident: int, form: dict, **changes):
    """Submit ``form`` with ``changes`` typed in."""
    return client.post(f"/admin/{screen}/edit/?id={ident}", data={**form, **changes})


def refusal(response) -> str:
    """The text of the refusal message on a 409 page."""
    body = response.get_data(as_text=True)
    match = re.search(r'(?s)<div class="alert alert-danger[^>]*>(.*?)</div>', body)
    assert match, "no refusal message"
    return match.group(1)


def updates_of(dbq, entity: str, ident: int) -> int:
    """How many saves of this row the audit trail holds."""
    return dbq(lambda s: s.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.entity == entity, AuditEntry.entity_id == ident, AuditEntry.action == "update")).scalar())


def test_stale_member_form_cannot_revert_a_colleagues_phone_change(staff, make, tree, dbq):
    """Two staff open the same member; A saves a new phone; can B's name change from the stale form
    silently put the old phone back? (No: refused with what changed, A's phone kept.)"""
    member = make.member(tree["B1"], "Lê Văn Hai Người", phone="0912000001")
    a, b = staff(tree["committee"]), staff(tree["secretary"])
    form_a, form_b = open_edit(a, "member", member.id), open_edit(b, "member", member.id)
    assert form_a["loaded_version"] == form_b["loaded_version"] == "1"

    assert save(a, "member", member.id, form_a, phone="0987654321").status_code == 302
    response = save(b, "member", member.id, form_b, full_name="Lê Văn Hai Người Sửa")

    assert response.status_code == 409
    message = refusal(response)
    assert tree["committee"].login in message
    phone = re.search(r'data-field="phone">(.*?)</li>', message).group(1)
    assert "Điện thoại" in phone and "(vừa được sửa)" in phone
    assert "đang lưu «0987654321»" in phone and "bạn đã gửi «0912000001»" in phone
    name = re.search(r'data-field="full_name">(.*?)</li>', message).group(1)
    assert "đang lưu «Lê Văn Hai Người»" in name and "bạn đã gửi «Lê Văn Hai Người Sửa»" in name
    saved = dbq(lambda s: s.get(Member, member.id))
    assert (saved.phone, saved.full_name, saved.version) == ("0987654321", "Lê Văn Hai Người", 2)
    assert updates_of(dbq, "member", member.id) == 1

    # The page came back with the row as saved now: B types the name again and saves.
    reloaded = form_of(response.get_data(as_text=True))
    assert reloaded["loaded_version"] == "2" and reloaded["phone"] == "0987654321"
    assert save(b, "member", member.id, reloaded, full_name="Lê Văn Hai Người Sửa").status_code == 302
    saved = dbq(lambda s: s.get(Member, member.id))
    assert (saved.phone, saved.full_name, saved.version) == ("0987654321", "Lê Văn Hai Người Sửa", 3)


def test_stale_organization_form_is_refused(staff, make, tree, dbq):
    """Admin renames a branch while committee staff edit its code from an older page: is the code change refused?"""
    branch = make.org(tree["G1"], "branch", "Chi bộ Trước")
    a, b = staff(tree["admin"]), staff(tree["committee"])
    form_a, form_b = open_edit(a, "organization", branch.id), open_edit(b, "organization", branch.id)

    assert save(a, "organization", branch.id, form_a, name="Chi bộ Sau").status_code == 302
    response = save(b, "organization", branch.id, form_b, code="TB-MOI-99")

    assert response.status_code == 409
    message = refusal(response)
    assert "Tên tổ chức" in message and "đang lưu «Chi bộ Sau»" in message and tree["admin"].login in message
    saved = dbq(lambda s: s.get(Organization, branch.id))
    assert (saved.name, saved.code, saved.version) == ("Chi bộ Sau", branch.code, 2)

    assert save(b, "organization", branch.id, open_edit(b, "organization", branch.id), code="TB-MOI-99").status_code == 302
    assert dbq(lambda s: s.get(Organization, branch.id).code) == "TB-MOI-99"


def test_stale_news_form_is_refused(app, staff, tree, dbq):
    """Committee staff retitle an article while the branch secretary edits its summary from an older page:
    is the summary save refused, the new title kept?"""
    article = make_article(app, tree["B1"], "Tin cũ", summary="Tóm tắt cũ")
    a, b = staff(tree["committee"]), staff(tree["secretary"])
    form_a, form_b = open_edit(a, "article", article.id), open_edit(b, "article", article.id)

    assert save(a, "article", article.id, form_a, title="Tin mới").status_code == 302
    response = save(b, "article", article.id, form_b, summary="Tóm tắt mới")

    assert response.status_code == 409
    message = refusal(response)
    assert "Tiêu đề" in message and "đang lưu «Tin mới»" in message and "bạn đã gửi «Tin cũ»" in message
    saved = dbq(lambda s: s.get(Article, article.id))
    assert (saved.title, saved.summary, saved.version) == ("Tin mới", "Tóm tắt cũ", 2)

    assert save(b, "article", article.id, open_edit(b, "article", article.id), summary="Tóm tắt mới").status_code == 302
    saved = dbq(lambda s: s.get(Article, article.id))
    assert (saved.title, saved.summary, saved.version) == ("Tin mới", "Tóm tắt mới", 3)


def test_save_racing_past_the_check_is_refused_by_the_database(app, staff, make, tree, dbq, monkeypatch):
    """If A's save lands after B's version check but before B's write, is B still refused (no 500,
    nothing of B's saved)?"""
    member = make.member(tree["B1"], "Phạm Thị Chạy Đua", phone="0912000002")
    b = staff(tree["secretary"])
    form_b = open_edit(b, "member", member.id)
    original = MemberView.after_form_change

    def colleague_saves_meanwhile(self, form, model, is_created):
        # Runs after the check, before the flush: A's save commits on a connection of its own.
        with db.engine.begin() as conn:
            conn.execute(update(Member).where(Member.id == member.id)
                         .values(phone="0987000002", version=Member.version + 1))
        return original(self, form, model, is_created)

    monkeypatch.setattr(MemberView, "after_form_change", colleague_saves_meanwhile)
    response = save(b, "member", member.id, form_b, full_name="Phạm Thị Đã Đổi")

    assert response.status_code == 409
    assert REFUSED in refusal(response) and "đang lưu «0987000002»" in refusal(response)
    saved = dbq(lambda s: s.get(Member, member.id))
    assert (saved.full_name, saved.phone, saved.version) == ("Phạm Thị Chạy Đua", "0987000002", 2)
    assert updates_of(dbq, "member", member.id) == 0


def test_save_of_a_row_deleted_meanwhile_is_a_409(staff, make, tree, dbq, monkeypatch):
    """If the member is deleted between B's check and B's write, is B told so (409), not shown a 500?"""
    member = make.member(tree["B1"], "Bùi Văn Đã Xóa")
    b = staff(tree["secretary"])
    form_b = open_edit(b, "member", member.id)
    original = MemberView.after_form_change

    def colleague_deletes_meanwhile(self, form, model, is_created):
        with db.engine.begin() as conn:
            conn.execute(Member.__table__.delete().where(Member.id == member.id))
        return original(self, form, model, is_created)

    monkeypatch.setattr(MemberView, "after_form_change", colleague_deletes_meanwhile)
    response = save(b, "member", member.id, form_b, full_name="Bùi Văn Sửa Muộn")

    assert response.status_code == 409
    assert "người khác thay đổi" in response.get_data(as_text=True)
    assert dbq(lambda s: s.get(Member, member.id)) is None


def test_a_forged_version_is_refused(staff, make, tree, dbq):
    """Is a form whose version is not a number (or from the future) refused rather than saved?"""
    member = make.member(tree["B1"], "Hoàng Văn Giả")
    b = staff(tree["secretary"])
    form = open_edit(b, "member", member.id)
    for forged in ("abc", "99"):
        assert save(b, "member", member.id, form, loaded_version=forged, full_name="Bị Sửa").status_code == 409
    assert dbq(lambda s: (s.get(Member, member.id).full_name, s.get(Member, member.id).version)) == ("Hoàng Văn Giả", 1)


def test_logins_do_not_make_an_open_account_form_stale(app, staff, make, tree, dbq):
    """Does a member logging in (or mistyping the password) leave their account's version alone,
    so a secretary's open form of that account still saves?"""
    person = make.member(tree["B1"], "Đinh Văn Đăng Nhập")
    account = make.user("member", tree["B1"], person)
    b = staff(tree["secretary"])
    form = open_edit(b, "user", account.id)

    other = app.test_client()
    assert AuthActions(other).login(account, password="sai-mat-khau").status_code == 401
    assert AuthActions(other).login(account, password=PASSWORD).status_code == 302
    assert dbq(lambda s: s.get(User, account.id).version) == 1

    assert save(b, "user", account.id, form, active="").status_code == 302
    assert dbq(lambda s: (s.get(User, account.id).active, s.get(User, account.id).version)) == (False, 2)


def test_moving_a_subtree_does_not_make_its_open_forms_stale(staff, make, tree, dbq):
    """A move rewrites the paths of a whole subtree in one UPDATE: do the organizations below keep their
    version (a path is not anyone's edit), so a form opened before the move still saves?"""
    grassroots = make.org(tree["C1"], "grassroots", "Đảng bộ xã Di Chuyển")
    branch = make.org(grassroots, "branch", "Chi bộ Đi Theo")
    a, b = staff(tree["admin"]), staff(tree["admin"])
    branch_form = open_edit(b, "organization", branch.id)

    assert save(a, "organization", grassroots.id, open_edit(a, "organization", grassroots.id),
                parent=str(tree["C2"].id)).status_code == 302
    moved = dbq(lambda s: (s.get(Organization, grassroots.id).version, s.get(Organization, branch.id).version,
                           s.get(Organization, branch.id).path))
    assert moved[:2] == (2, 1) and moved[2].startswith(tree["C2"].path)

    assert save(b, "organization", branch.id, branch_form, name="Chi bộ Đã Theo").status_code == 302
    assert dbq(lambda s: s.get(Organization, branch.id).name) == "Chi bộ Đã Theo"


def _editable_views(app):
    """The admin screens whose rows some role may edit."""
    return [v for v in app.extensions["handbook_admin"]._views if isinstance(v, ScopedModelView) and v.edit_roles
            and type(v).can_edit is not False]


def _category_with_questions(app, tree):
    """A category with enough questions for a quiz of three."""
    category = make_category(app, tree["C1"])
    make_questions(app, category, count=3)
    return category


def _a_row_of(app, make, tree, model) -> int:
    """A row of ``model`` the admin may edit: a fresh one where a maker is at hand, else the newest."""
    makers = {
        Organization: lambda: make.org(tree["G1"]),
        Member: lambda: make.member(tree["B1"]),
        User: lambda: make.user("member", tree["B1"], make.member(tree["B1"])),
        Article: lambda: make_article(app, tree["B1"]),
        Document: lambda: make_document(app, tree["B1"]),
        Discipline: lambda: make._save(Discipline(member_id=make.member(tree["B1"]).id, form="reprimand",
                                                  decided_on=date(2026, 1, 5))),
        StudyTopic: lambda: make_topic(app, tree["C1"]),
        QuizCategory: lambda: make_category(app, tree["C1"]),
        QuizQuestion: lambda: make_questions(app, make_category(app, tree["C1"]), count=1)[0],
        Quiz: lambda: make_quiz(app, tree["C1"], [_category_with_questions(app, tree)]),
        LeaderboardSetting: lambda: make._save(LeaderboardSetting(organization_id=make.org(tree["G1"]).id, mode="shown")),
    }
    if model in makers:
        return makers[model]().id
    with app.app_context():
        ident = db.session.execute(select(model.id).order_by(model.id.desc()).limit(1)).scalar()
        if ident is not None:
            return ident
        if model is PointRule:
            row = PointRule(source="meeting", daily_cap=10)
        else:
            raise AssertionError(f"no row of {model.__name__} to edit: add a maker here")
        db.session.add(row)
        db.session.commit()
        return row.id


def test_every_editable_screen_refuses_a_stale_form(app, staff, make, tree, dbq):
    """Does every admin screen that can edit rows edit a versioned model, send the version with its form,
    and refuse a form saved after the row changed, leaving the row as it was?"""
    editable = _editable_views(app)
    # Correction requests have no edit form: they are answered on their details page, whose stale
    # answers test_corrections.py refuses.
    assert {v.endpoint for v in editable} >= {"organization", "member", "user", "article", "document", "pointrule"}
    assert [v.endpoint for v in editable if not is_versioned(v.model)] == []

    client = staff(tree["admin"])
    for view in editable:
        ident = _a_row_of(app, make, tree, view.model)
        form = open_edit(client, view.endpoint, ident)
        assert form.get("loaded_version", "").isdigit(), view.endpoint
        with app.app_context():  # someone else's save
            db.session.execute(update(view.model).where(view.model.id == ident).values(version=view.model.version + 1))
            db.session.commit()
            before = dict(db.session.execute(select(view.model.__table__).where(view.model.id == ident)).mappings().one())
        response = save(client, view.endpoint, ident, form)
        assert response.status_code == 409, view.endpoint
        assert REFUSED in refusal(response), view.endpoint
        after = dbq(lambda s: dict(s.execute(select(view.model.__table__).where(view.model.id == ident)).mappings().one()))
        assert after == before, view.endpoint


def test_a_lost_race_outside_the_back_office_is_a_409(app, make, tree, dbq, monkeypatch):
    """A member acknowledges the data notice while staff save their account: is the losing write a 409
    with a Vietnamese message, never a 500, and nothing half saved?"""
    import handbook.privacy.views as privacy_views

    person = make.member(tree["B1"], "Trịnh Thị Thông Báo")
    account = make.user("member", tree["B1"], person)
    dbq(lambda s: (s.execute(update(User).where(User.id == account.id).values(notice_version=None)), s.commit()))
    client = app.test_client()
    AuthActions(client).login(account)
    page = client.get("/me/notice").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    original = privacy_views.record

    def staff_save_meanwhile(*args, **kwargs):
        with db.engine.begin() as conn:
            conn.execute(update(User).where(User.id == account.id).values(active=True, version=User.version + 1))
        return original(*args, **kwargs)

    monkeypatch.setattr(privacy_views, "record", staff_save_meanwhile)
    response = client.post("/me/notice", data={"csrf_token": token})

    assert response.status_code == 409
    assert "người khác thay đổi" in response.get_data(as_text=True)
    assert dbq(lambda s: s.get(User, account.id).notice_version) is None
