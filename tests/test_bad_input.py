"""Bad input is a 4xx with a Vietnamese message, never a 500 or stored garbage (issue 9, item 7)."""
import io
import unicodedata
from datetime import date

import pytest
from flask_admin.model import BaseModelView
from sqlalchemy import func, select

from content_support import attach, make_document, pdf_bytes
from handbook.content.models import Article, Attachment, Document
from handbook.content.uploads import FILENAME_MAX
from handbook.organizations.models import Member
from handbook.organizations.validation import MemberDataError, clean_member
from handbook.privacy.models import CorrectionRequest
from support import AuthActions, csrf_token

HUGE = "99999999999999999999"


def _list_views(app):
    """Every registered admin screen that has a list page."""
    admin = app.extensions["handbook_admin"]
    return [v for v in admin._views if isinstance(v, BaseModelView)]


def _bad_list_urls(view):
    """The list URLs seen to give 500: a 20-digit page, page size, sort index or filter value."""
    base = f"/admin/{view.endpoint}/"
    urls = [f"{base}?page={HUGE}", f"{base}?page=-{HUGE}", f"{base}?page_size={HUGE}", f"{base}?sort={HUGE}",
            f"{base}?sort=999", f"{base}?sort=-{HUGE}&desc={HUGE}", f"{base}?search=%00", f"{base}?search=a%00b"]
    for key in (view._filter_args or {}):
        for value in (HUGE, f"-{HUGE}", "1e999", "%00", "9999-12-31", "0001-01-01 to 9999-12-31", f"{HUGE},{HUGE}"):
            urls.append(f"{base}?flt0_{key}={value}")
    return urls


def test_every_admin_list_survives_huge_numbers(app, client, tree):
    """Does any admin list URL with a 20-digit page, page size, sort index or filter value give a 500?"""
    AuthActions(client).login(tree["admin"])
    failures = []
    for view in _list_views(app):
        for url in _bad_list_urls(view):
            try:
                code = client.get(url).status_code
            except Exception as exc:  # noqa: BLE001 - the test client re-raises what would be a 500
                code = type(exc).__name__
            if not isinstance(code, int) or code >= 500:
                failures.append((url, code))
    assert failures == [], "\n".join(map(str, failures))


def test_ajax_lookups_survive_control_characters(app, client, tree):
    """Does a search-as-you-type lookup given NUL or a 20-digit term answer without a 500?"""
    AuthActions(client).login(tree["admin"])
    for view in _list_views(app):
        for name in (getattr(view, "_form_ajax_refs", None) or {}):
            for term in ("%00", "a%00b", HUGE):
                r = client.get(f"/admin/{view.endpoint}/ajax/lookup/?name={name}&query={term}")
                assert r.status_code == 200, (view.endpoint, name, term)


def test_breach_lookups_survive_control_characters(client, tree):
    """Does a breach look-up for a member card or login holding NUL answer without a 500 (it was one on PostgreSQL)?"""
    AuthActions(client).login(tree["admin"])
    for query in ("member=%00", "member=a%00b", "user=%00", f"user={HUGE}%00"):
        assert client.get(f"/admin/breach/?{query}").status_code == 200, query


# -- file names ------------------------------------------------------------------------------------

def _control_free(text: str) -> bool:
    return not any(unicodedata.category(ch)[0] == "C" for ch in text)


@pytest.mark.parametrize("name, shown", [
    ("a%00b.pdf", "ab.pdf"), ("a\x00b.pdf", "ab.pdf"), ("\u202efdp.exe.pdf", "fdp.exe.pdf"),
    ("../../Báo cáo\tquý.pdf", "Báo cáo quý.pdf"), ("x" * 400 + ".pdf", "x" * 146 + ".pdf"),
])
def test_odd_attachment_names_are_cleaned(app, client, tree, dbq, upload_folder, name, shown):
    """An attachment named ``a%00b.pdf`` was stored and every download of it became a 500: is the name
    now stored clean (NFC, no control characters, the extension kept, at most 150 characters) and
    does its download answer 200 with a clean header?"""
    AuthActions(client).login(tree["committee"])
    title = f"Văn bản tên tệp lạ {len(name)} {name[:3]!r}"
    token = csrf_token(client, "/admin/document/new/")
    r = client.post("/admin/document/new/", content_type="multipart/form-data", data={
        "csrf_token": token, "doc_type": "resolution", "number": "", "title": title, "issuing_body": "",
        "issued_on": "2025-03-01", "level": "local", "summary": "", "body_text": "", "organization": str(tree["C1"].id),
        "status": "published", "published_at": "", "points": "0", "files": [(io.BytesIO(pdf_bytes("x")), name)],
    })
    assert r.status_code == 302
    doc_id, file_id, stored = dbq(lambda s: s.execute(
        select(Document.id, Attachment.id, Attachment.original_name).join(Attachment).where(Document.title == title)).one())
    assert stored == shown and len(stored) <= FILENAME_MAX
    r = client.get(f"/documents/{doc_id}/files/{file_id}")
    assert r.status_code == 200 and _control_free(r.headers["Content-Disposition"])


def test_download_of_an_odd_stored_name_works(app, client, tree, upload_folder):
    """Is a file whose name was stored before names were cleaned (control and bidi characters) still
    downloaded, under a clean name?"""
    doc = make_document(app, tree["C1"])
    row = attach(app, doc, pdf_bytes("x"), name="a\x01b\u202e\x1f.pdf")
    AuthActions(client).login(tree["committee"])
    r = client.get(f"/documents/{doc.id}/files/{row.id}")
    assert r.status_code == 200 and _control_free(r.headers["Content-Disposition"])
    assert "ab.pdf" in r.headers["Content-Disposition"]


# -- member fields ---------------------------------------------------------------------------------

def _member_form(tree, **fields):
    """A valid new-member form, changed by ``fields``."""
    data = {"full_name": "Lưu Thị Hợp Lệ", "card_number": "81000001", "status": "official",
            "organization": str(tree["B1"].id), "position": "member", "gender": "female",
            "date_of_birth": "1980-05-02", "admitted_on": "2005-03-01", "official_on": "2006-03-01"}
    data.update(fields)
    return data


def _members_with_card(dbq, *cards):
    return dbq(lambda s: s.execute(select(func.count()).select_from(Member).where(Member.card_number.in_(cards))).scalar())


REFUSED = [
    ({"full_name": "     "}, "Họ và tên không được để trống"),
    ({"full_name": "<script>"}, "Họ và tên chỉ gồm chữ cái"),
    ({"phone": "abc<>!"}, "Số điện thoại không hợp lệ"),
    ({"email": "not-an-email"}, "Địa chỉ email không hợp lệ"),
    ({"card_number": "ABC-xyz"}, "Số thẻ đảng viên chỉ gồm chữ số"),
    ({"date_of_birth": "9999-12-31"}, "Ngày sinh phải từ 01/01/1900 đến hôm nay."),
    ({"date_of_birth": "1899-12-31"}, "Ngày sinh phải từ 01/01/1900 đến hôm nay."),
    ({"admitted_on": "2099-01-01", "official_on": ""}, "Ngày vào Đảng phải từ 03/02/1930 đến hôm nay."),
    ({"admitted_on": "1998-05-01", "official_on": ""}, "Ngày vào Đảng phải sau khi đủ 18 tuổi."),
    ({"official_on": "2004-01-01"}, "Ngày chính thức không thể trước ngày vào Đảng."),
    ({"official_on": "2099-01-01"}, "Ngày chính thức không thể sau hôm nay."),
    ({"admitted_on": "", "official_on": "2006-03-01"}, "Vui lòng nhập ngày vào Đảng trước ngày chính thức."),
    ({"new_national_id": "12345"}, "Số CCCD gồm đúng 12 chữ số."),
]


@pytest.mark.parametrize("role", ["secretary", "committee"])
def test_garbage_member_fields_are_refused(app, client, tree, dbq, role):
    """Names of spaces only, phone ``abc<>!``, email ``not-an-email``, card ``ABC-xyz``, birth 9999-12-31,
    admission in 2099, dates out of order: is each refused with its Vietnamese message, nothing saved?"""
    AuthActions(client).login(tree[role])
    token = csrf_token(client, "/admin/member/new/")
    for n, (fields, message) in enumerate(REFUSED):
        card = f"8200{n:04d}"
        data = {**_member_form(tree, card_number=card), **fields, "csrf_token": token}
        r = client.post("/admin/member/new/", data=data)
        assert r.status_code == 200, fields
        assert message in r.get_data(as_text=True), fields
        assert _members_with_card(dbq, card, "ABC-xyz", "ABCxyz") == 0, fields


def test_edit_with_garbage_leaves_the_member_unchanged(app, client, make, tree, dbq):
    """Is an edit that sets a 2099 admission and a bad phone refused, the stored record unchanged?"""
    member = make.member(tree["B1"], "Tạ Văn Giữ Nguyên", phone="0912000222")
    AuthActions(client).login(tree["secretary"])
    token = csrf_token(client, f"/admin/member/edit/?id={member.id}")
    r = client.post(f"/admin/member/edit/?id={member.id}", data={
        **_member_form(tree, full_name="Tạ Văn Giữ Nguyên", card_number=member.card_number, admitted_on="2099-01-01",
                       phone="abc<>!"), "csrf_token": token})
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "Ngày vào Đảng phải từ" in page and "Số điện thoại không hợp lệ" in page
    saved = dbq(lambda s: s.get(Member, member.id))
    assert (saved.phone, saved.admitted_on, saved.date_of_birth) == ("0912000222", None, None)


def test_digits_are_normalized(app, client, tree, dbq):
    """Are full-width CCCD digits, a spaced card number, a +84 phone and a capitalized email stored in
    their plain form (ASCII digits, 0xxxxxxxxx, lower case)?"""
    AuthActions(client).login(tree["secretary"])
    token = csrf_token(client, "/admin/member/new/")
    r = client.post("/admin/member/new/", data={**_member_form(
        tree, card_number="83 000.001", new_national_id="０３４１２３４５６７８９", phone="+84 912-345-678",
        email="Ten.Ho@Example.VN", full_name="  Võ   Thị  Chuẩn  "), "csrf_token": token})
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    saved = dbq(lambda s: s.execute(select(Member).where(Member.card_number == "83000001")).scalar_one())
    assert (saved.national_id, saved.phone, saved.email, saved.full_name) == (
        "034123456789", "0912345678", "ten.ho@example.vn", "Võ Thị Chuẩn")
    # The same card typed another way is the same card.
    r = client.post("/admin/member/new/", data={**_member_form(tree, card_number="８３-000-001"), "csrf_token": token})
    assert r.status_code == 200 and "Số thẻ đảng viên này đã có" in r.get_data(as_text=True)
    assert _members_with_card(dbq, "83000001") == 1


def test_clean_member_names_every_broken_field():
    """Does the one validation function (also for the coming import) report every broken field at once?"""
    with pytest.raises(MemberDataError) as caught:
        clean_member({"full_name": " ", "card_number": "ABC-xyz", "phone": "abc<>!", "email": "x",
                      "date_of_birth": date(2010, 1, 1), "admitted_on": date(2020, 1, 1), "official_on": date(2019, 1, 1)},
                     today=date(2026, 11, 30))
    assert set(caught.value.errors) == {"full_name", "card_number", "phone", "email", "admitted_on", "official_on"}
    ok = clean_member({"full_name": "Ngô Bảo Châu", "card_number": "１２３４５６７８", "date_of_birth": date(2008, 2, 29),
                       "admitted_on": date(2026, 3, 1)}, today=date(2026, 11, 30))
    assert ok["card_number"] == "12345678"


# -- text sizes ------------------------------------------------------------------------------------

def test_a_15_mb_article_body_is_refused(app, client, tree, dbq):
    """Was a 15 MB article body accepted? Now: the form says the bound in Vietnamese and nothing is saved."""
    AuthActions(client).login(tree["committee"])
    token = csrf_token(client, "/admin/article/new/")
    r = client.post("/admin/article/new/", data={
        "csrf_token": token, "title": "Tin quá dài KK15", "summary": "", "body_html": "<p>" + "a" * (15 * 1024 * 1024) + "</p>",
        "organization": str(tree["C1"].id), "status": "draft", "published_at": "", "points": "0",
    })
    assert r.status_code == 200 and "Tối đa 200.000 ký tự." in r.get_data(as_text=True)
    assert dbq(lambda s: s.execute(select(Article).where(Article.title == "Tin quá dài KK15")).first()) is None


def test_long_titles_summaries_and_corrections_are_refused(app, client, make, tree, dbq):
    """Are a 256-character title, a 2,001-character summary and a 301-character correction refused in
    Vietnamese, nothing saved?"""
    AuthActions(client).login(tree["committee"])
    base = {"csrf_token": csrf_token(client, "/admin/article/new/"), "summary": "", "body_html": "<p>x</p>",
            "organization": str(tree["C1"].id), "status": "draft", "published_at": "", "points": "0"}
    r = client.post("/admin/article/new/", data={**base, "title": "T" * 256})
    assert r.status_code == 200 and "Không được dài quá 255 ký tự." in r.get_data(as_text=True)
    r = client.post("/admin/article/new/", data={**base, "title": "Tin tóm tắt dài LL16", "summary": "s" * 2001})
    assert r.status_code == 200 and "Tối đa 2.000 ký tự." in r.get_data(as_text=True)
    assert dbq(lambda s: s.execute(select(func.count()).select_from(Article).where(
        Article.title.in_(["T" * 256, "Tin tóm tắt dài LL16"]))).scalar()) == 0

    member = make.member(tree["B1"], "Đoàn Văn Dài")
    c = app.test_client()
    AuthActions(c).login(make.user("member", tree["B1"], member))
    r = c.post("/me/data/corrections", data={"csrf_token": csrf_token(c, "/me/data"), "field": "hometown",
                                             "requested_value": "x" * 301})
    assert r.status_code == 400 and "Tối đa 300 ký tự." in r.get_data(as_text=True)
    assert dbq(lambda s: s.execute(select(func.count()).select_from(CorrectionRequest)
                                   .where(CorrectionRequest.member_id == member.id)).scalar()) == 0


def test_member_searches_survive_nul(app, tree):
    """Does a member's news or library search holding NUL (PostgreSQL refuses it in text) answer 200?"""
    c = app.test_client()
    AuthActions(c).login(tree["member"])
    for url in ("/documents/?q=%00", "/news/?q=a%00b", f"/documents/?q=x%00&year={HUGE}&page={HUGE}"):
        assert c.get(url).status_code == 200, url
