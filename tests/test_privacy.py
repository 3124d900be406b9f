"""A member's rights: own record, who opened it, downloads, corrections, the data notice, masked CCCD."""
import io
import json


from audit_support import entries_since, last_id
from handbook.organizations.models import Member
from support import AuthActions, csrf_token


def _member_account(make, tree, name="Lê Thị Hường", national_id="034187654321", branch="B1"):
    member = make.member(tree[branch], name, national_id=national_id, hometown="Thái Thụy, Thái Bình")
    return member, make.user("member", tree[branch], member)


def test_member_sees_own_record_and_who_opened_it(client, auth, make, tree, app):
    """Does 'Dữ liệu của tôi' show the member's record (CCCD masked) and the secretary who opened it?"""
    member, user = _member_account(make, tree)
    secretary = app.test_client()
    AuthActions(secretary).login(tree["secretary"])
    assert secretary.get(f"/admin/member/details/?id={member.id}").status_code == 200
    auth.login(user)
    page = client.get("/me/data").get_data(as_text=True)
    assert "Lê Thị Hường" in page and "Thái Thụy, Thái Bình" in page
    assert "034187654321" not in page and "•••••••••321" in page
    assert tree["secretary"].login in page and "Mở hồ sơ" in page


def test_download_json_holds_own_data_and_nobody_elses(client, auth, make, tree, dbq):
    """Does the JSON download hold the member's record and no other member's, and leave one entry?"""
    member, user = _member_account(make, tree, "Vũ Đức Thắng", "034100000111")
    auth.login(user)
    since = last_id(dbq)
    r = client.get("/me/data/download.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    data = json.loads(r.get_data(as_text=True))
    assert data["ho_so"]["Họ và tên"] == "Vũ Đức Thắng"
    assert data["ho_so"]["Số CCCD"] == "•••••••••111"
    assert data["tai_khoan"]["ten_dang_nhap"] == user.login
    body = r.get_data(as_text=True)
    for other in ("B1.m1", "B1.m2", "B2.m1", "B3.m1"):
        assert tree[other].full_name not in body and tree[other].card_number not in body
    [entry] = entries_since(dbq, since)
    assert entry.action == "download_own" and entry.subject_ids == [member.id]


def test_download_pdf_draws_vietnamese(client, auth, make, tree):
    """Does the PDF download carry the member's Vietnamese name, readable back from the text?"""
    from pypdf import PdfReader

    member, user = _member_account(make, tree, "Nguyễn Thị Ngọc Ánh", "034100000222")
    auth.login(user)
    r = client.get("/me/data/download.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(r.data)).pages)
    assert "Nguyễn Thị Ngọc Ánh" in text
    assert "DỮ LIỆU CÁ NHÂN" in text and "034100000222" not in text


def test_correction_request_reaches_the_secretary_only(client, auth, make, tree, app, dbq):
    """Does a member's correction request appear, pending, to their secretary and not to another branch's?"""
    member, user = _member_account(make, tree, "Phan Văn Sửa", "034100000333")
    auth.login(user)
    token = csrf_token(client, "/me/data")
    since = last_id(dbq)
    r = client.post("/me/data/corrections", data={"csrf_token": token, "field": "hometown",
                                                   "requested_value": "Kiến Xương, Thái Bình", "note": "Theo lý lịch"})
    assert r.status_code == 302
    [entry] = entries_since(dbq, since)
    assert entry.action == "correction_request" and entry.subject_ids == [member.id]
    assert "Kiến Xương, Thái Bình" in client.get("/me/data").get_data(as_text=True)

    secretary = app.test_client()
    AuthActions(secretary).login(tree["secretary"])
    listing = secretary.get("/admin/correction/").get_data(as_text=True)
    assert "Kiến Xương, Thái Bình" in listing and "Chờ xử lý" in listing

    other = app.test_client()
    outsider = make.user("secretary", tree["B3"], make.member(tree["B3"]))
    AuthActions(other).login(outsider)
    assert "Kiến Xương, Thái Bình" not in other.get("/admin/correction/").get_data(as_text=True)
    assert other.get(f"/admin/correction/details/?id={entry.entity_id}").status_code == 404

    # The secretary accepts; the member sees the status and the record holds the new value.
    stoken = csrf_token(secretary, f"/admin/correction/details/?id={entry.entity_id}")
    r = secretary.post(f"/admin/correction/answer/?id={entry.entity_id}",
                       data={"csrf_token": stoken, "decision": "accept", "version": "1"})
    assert r.status_code == 302
    page = client.get("/me/data").get_data(as_text=True)
    assert "Đã sửa" in page and dbq(lambda s: s.get(Member, member.id).hometown) == "Kiến Xương, Thái Bình"


def test_notice_is_acknowledged_at_first_login(client, auth, make, tree, app, dbq):
    """Is a member who has not acknowledged the notice sent to it, and are version and time recorded?"""
    from handbook.auth.models import User

    member = make.member(tree["B2"], "Mới Đăng Nhập")
    user = make.user("member", tree["B2"], member)
    dbq(lambda s: (s.execute(User.__table__.update().where(User.id == user.id).values(notice_version=None)), s.commit()))
    r = auth.login(user)
    r = client.get("/")
    assert r.status_code == 302 and "/me/notice" in r.location
    assert client.get("/me/data").status_code == 302
    token = csrf_token(client, "/me/notice")
    r = client.post("/me/notice?next=/me/data", data={"csrf_token": token})
    assert r.status_code == 302 and r.location == "/me/data"
    saved = dbq(lambda s: s.get(User, user.id))
    assert saved.notice_version == app.config["DATA_NOTICE_VERSION"] and saved.notice_acknowledged_at is not None
    assert client.get("/").status_code == 200


def test_unmask_without_reason_is_refused(client, auth, make, tree, dbq):
    """Is revealing a CCCD without a reason refused with 400 and a Vietnamese message, and nothing logged?"""
    member, _ = _member_account(make, tree, "Cao Thị Kín", "034199999888")
    auth.login(tree["secretary"])
    token = csrf_token(client, f"/admin/member/details/?id={member.id}")
    since = last_id(dbq)
    r = client.post("/admin/member/unmask/", data={"csrf_token": token, "id": member.id, "column": "national_id_masked", "reason": "  "})
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert "Vui lòng nêu lý do" in page and "034199999888" not in page
    assert [e.action for e in entries_since(dbq, since)] == []


def test_unmask_with_reason_is_logged(client, auth, make, tree, dbq):
    """Does a stated reason reveal the CCCD and leave one 'unmask' entry holding the reason?"""
    member, _ = _member_account(make, tree, "Cao Văn Lộ", "034199999777")
    auth.login(tree["secretary"])
    token = csrf_token(client, f"/admin/member/details/?id={member.id}")
    since = last_id(dbq)
    r = client.post("/admin/member/unmask/", data={"csrf_token": token, "id": member.id, "column": "national_id_masked",
                                                   "reason": "Đối chiếu hồ sơ chuyển sinh hoạt\nFAKE"})
    assert r.status_code == 200 and "034199999777" in r.get_data(as_text=True)
    [entry] = entries_since(dbq, since)
    assert entry.action == "unmask" and entry.subject_ids == [member.id]
    assert entry.detail["reason"] == "Đối chiếu hồ sơ chuyển sinh hoạt FAKE"


def test_unmask_out_of_scope_is_404(client, auth, make, tree):
    """Can a secretary unmask another branch's member? (No: 404.)"""
    member, _ = _member_account(make, tree, "Ngoài Chi Bộ", "034199999666", branch="B3")
    auth.login(tree["secretary"])
    token = csrf_token(client, "/admin/member/")
    r = client.post("/admin/member/unmask/", data={"csrf_token": token, "id": member.id, "column": "national_id_masked", "reason": "tò mò thôi"})
    assert r.status_code == 404


def test_cccd_is_masked_in_lists_details_and_exports(client, auth, make, tree):
    """Is the full CCCD absent from the member list, details page, CSV export and the member's home?"""
    member, user = _member_account(make, tree, "Che Số Đủ", "034155555444")
    auth.login(tree["secretary"])
    for url in ("/admin/member/", f"/admin/member/details/?id={member.id}", f"/admin/member/edit/?id={member.id}",
                "/admin/member/export/csv/", "/admin/member/export/xlsx/"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert b"034155555444" not in r.data, url
    auth.logout()
    auth.login(user)
    assert b"034155555444" not in client.get("/").data


def test_staff_who_are_members_get_the_notice_in_the_back_office_too(client, auth, make, tree, app, dbq):
    """Is a secretary linked to a member record who has not acknowledged the notice sent to it from
    /admin/, and back to /admin/ after; is an admin with no member record left alone?"""
    from handbook.auth.models import User

    member = make.member(tree["B2"], "Bí Thư Chưa Đọc")
    secretary = make.user("secretary", tree["B2"], member)
    dbq(lambda s: (s.execute(User.__table__.update().where(User.id.in_([secretary.id, tree["admin"].id]))
                             .values(notice_version=None)), s.commit()))
    auth.login(secretary)
    r = client.get("/admin/")
    assert r.status_code == 302 and r.location == "/me/notice?next=/admin/"
    assert client.get("/me/data").status_code == 302
    token = csrf_token(client, "/me/notice")
    r = client.post("/me/notice?next=/admin/", data={"csrf_token": token})
    assert r.status_code == 302 and r.location == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert dbq(lambda s: s.get(User, secretary.id).notice_version) == app.config["DATA_NOTICE_VERSION"]

    admin = app.test_client()
    AuthActions(admin).login(tree["admin"])
    assert admin.get("/admin/").status_code == 200
