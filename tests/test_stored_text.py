"""Exports never crash on stored text; control characters are refused at input (issue 9, item 5).

Seen: a member put ``\\x01`` in a correction request and every xlsx export of corrections (and,
through a member field, the province's member export) became a 500.
"""
import json
import unicodedata

import pytest
from sqlalchemy import func, select

from handbook.extensions import db
from handbook.organizations.models import Member
from handbook.privacy.models import CorrectionRequest
from handbook.text import CONTROL_MESSAGE
from support import AuthActions, csrf_token, export_rows


@pytest.fixture(scope="module")
def stored_control(app, make, tree):
    """A member whose hometown holds ``\\x01`` and a correction request of theirs holding it too,
    written straight to the database as older data (or another writer) could have."""
    member = make.member(tree["B1"], "Lê Văn Ký Tự", hometown="Thái\x01Bình", occupation="\x02=1+1")
    user = make.user("member", tree["B1"], member)
    with app.app_context():
        db.session.add(CorrectionRequest(member_id=member.id, field="hometown", requested_value="Kiến\x01Xương",
                                         note="ghi\x1fchú\x0b"))
        db.session.commit()
    return member, user


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_survive_a_stored_control_character(app, stored_control, tree, fmt):
    """With ``\\x01`` stored in a correction request and a member field, does every admin export
    (corrections and members among them) still answer 200 with a file openpyxl opens, the text kept?"""
    c = app.test_client()
    AuthActions(c).login(tree["admin"])
    admin = app.extensions["handbook_admin"]
    screens = [v for v in admin._views if getattr(v, "can_export", False) and fmt in getattr(v, "export_types", [])]
    assert {"member", "correction"} <= {v.endpoint for v in screens}
    for view in screens:
        r = c.get(f"/admin/{view.endpoint}/export/{fmt}/")
        assert r.status_code == 200, view.endpoint
        cells = [c for row in export_rows(r, fmt) for c in row]
        assert not [v for v in cells if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in v)]
        if view.endpoint == "member":
            assert "TháiBình" in cells and "'=1+1" in cells  # dropped first, then the formula neutralized
        if view.endpoint == "correction":
            assert "KiếnXương" in cells and "ghichú" in cells


def test_own_data_downloads_survive_a_stored_control_character(app, stored_control):
    """Does the member's own JSON and PDF download still work with ``\\x01`` in their record?"""
    _member, user = stored_control
    c = app.test_client()
    AuthActions(c).login(user)
    pdf = c.get("/me/data/download.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    own = c.get("/me/data/download.json")
    assert own.status_code == 200 and json.loads(own.data)["ho_so"]["Quê quán"] == "Thái\x01Bình"


def _corrections(dbq, member_id):
    return dbq(lambda s: s.execute(select(func.count()).select_from(CorrectionRequest)
                                   .where(CorrectionRequest.member_id == member_id)).scalar())


def test_member_cannot_send_a_control_character(app, make, tree, dbq):
    """When a member posts ``\\x01`` in a correction request, is it refused with 400 and the one
    Vietnamese message, nothing saved?"""
    member = make.member(tree["B1"], "Đinh Thị Gửi")
    c = app.test_client()
    AuthActions(c).login(make.user("member", tree["B1"], member))
    token = csrf_token(c, "/me/data")
    for value, note in (("Kiến\x01Xương", ""), ("Kiến Xương", "ghi\x00chú")):
        r = c.post("/me/data/corrections", data={"csrf_token": token, "field": "hometown",
                                                 "requested_value": value, "note": note})
        assert r.status_code == 400
        assert CONTROL_MESSAGE in r.get_data(as_text=True)
    assert _corrections(dbq, member.id) == 0


def test_member_text_is_stored_in_nfc_and_trimmed(app, make, tree, dbq):
    """Is a correction typed decomposed (NFD) with spaces around it stored in NFC, trimmed?"""
    member = make.member(tree["B1"], "Đinh Thị Chuẩn")
    c = app.test_client()
    AuthActions(c).login(make.user("member", tree["B1"], member))
    token = csrf_token(c, "/me/data")
    typed = "  " + unicodedata.normalize("NFD", "Kiến Xương, Thái Bình") + "\t"
    r = c.post("/me/data/corrections", data={"csrf_token": token, "field": "hometown", "requested_value": typed})
    assert r.status_code == 302
    saved = dbq(lambda s: s.execute(select(CorrectionRequest.requested_value)
                                    .where(CorrectionRequest.member_id == member.id)).scalar_one())
    assert saved == "Kiến Xương, Thái Bình"


def test_staff_cannot_save_a_control_character(app, tree, dbq):
    """When staff post ``\\x01`` in a member's hometown or an article's title, is the form shown again
    with the Vietnamese message and nothing saved?"""
    c = app.test_client()
    AuthActions(c).login(tree["secretary"])
    token = csrf_token(c, "/admin/member/new/")
    r = c.post("/admin/member/new/", data={
        "csrf_token": token, "full_name": "Hà Văn Ẩn", "card_number": "66600001", "status": "official",
        "organization": str(tree["B1"].id), "position": "member", "hometown": "Thái\x01Bình",
    })
    assert r.status_code == 200 and CONTROL_MESSAGE in r.get_data(as_text=True)
    assert dbq(lambda s: s.execute(select(Member).where(Member.card_number == "66600001")).first()) is None
    token = csrf_token(c, "/admin/article/new/")
    r = c.post("/admin/article/new/", data={
        "csrf_token": token, "title": "Tin\x01ẩn", "summary": "", "body_html": "<p>x</p>",
        "organization": str(tree["B1"].id), "status": "draft", "published_at": "", "points": "0",
    })
    assert r.status_code == 200 and CONTROL_MESSAGE in r.get_data(as_text=True)
    from handbook.content.models import Article

    assert dbq(lambda s: s.execute(select(Article).where(Article.title.like("Tin%ẩn"))).first()) is None
