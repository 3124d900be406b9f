"""Activation codes: issued in bulk, printed and sent, redeemed once on /activate to choose the first password."""
import io
import itertools
import re
from datetime import timedelta

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from handbook.audit.models import AuditEntry
from handbook.auth import activation
from handbook.auth.activation import (ALPHABET, ActivationRow, activation_rows, code_hash, issue_codes, new_code,
                                      normalize_code, write_activation_messages, write_activation_sheet)
from handbook.auth.models import ActivationCode, User
from handbook.auth.views import ACTIVATION_REFUSED
from handbook.clock import utcnow
from support import PASSWORD, csrf_token

NEW_PASSWORD = "mat-khau-moi-2026"
_address = itertools.count(1)


@pytest.fixture
def visitor(app):
    """A browser of its own, from an address of its own: the guessing limits of one test never reach another."""
    client = app.test_client()
    n = next(_address)
    client.environ_base["REMOTE_ADDR"] = f"10.77.{n // 250}.{n % 250 + 1}"
    return client


def _imported(make, dbq, org, name=None, phone=None):
    """A member's account as the import makes it: no password yet."""
    member = make.member(org, name)
    user = make.user("member", org, member, login=phone)

    def clear(s):
        s.get(User, user.id).password_hash = ""
        s.commit()

    dbq(clear)
    return user


def _issue(dbq, *users, **kwargs):
    """Issue codes to ``users`` and commit; {user id: code}."""
    def run(s):
        codes = issue_codes(s, [u.id for u in users], **kwargs)
        s.commit()
        return codes

    return dbq(run)


def _activate(client, login, code, password=NEW_PASSWORD, confirm=None):
    token = csrf_token(client, "/activate")
    return client.post("/activate", data={"csrf_token": token, "login": login, "code": code,
                                          "new": password, "confirm": confirm or password})


def _hash(dbq, user_id):
    return dbq(lambda s: s.get(User, user_id).password_hash)


def _checks(dbq, user_id, password):
    return dbq(lambda s: s.get(User, user_id).check_password(password))


def _open_codes(dbq, user_id):
    return dbq(lambda s: s.execute(select(ActivationCode).where(ActivationCode.user_id == user_id,
                                                                ActivationCode.used_at.is_(None))).scalars().all())


def _page(response) -> str:
    return response.get_data(as_text=True)


def test_codes_are_grouped_and_read_loosely(app):
    """Is a new code ten unambiguous characters shown as ABCDE-FGHJK, and does a code typed in lower
    case with spaces hash as the printed one?"""
    code = new_code()
    assert re.fullmatch(f"[{ALPHABET}]{{5}}-[{ALPHABET}]{{5}}", code)
    assert not set("01OIL") & set(ALPHABET)
    assert normalize_code(f" {code[:3].lower()} {code[3:].lower()} ") == code.replace("-", "")
    with app.app_context():
        assert code_hash(code.lower().replace("-", " ")) == code_hash(code)


def test_a_code_works_once(app, make, tree, dbq, visitor):
    """Does a member's code set the password and sign them in, and a second use of it (another
    browser) get 400 with the password left as the first use set it?"""
    user = _imported(make, dbq, tree["B2"])
    [code] = _issue(dbq, user).values()
    r = _activate(visitor, user.login, code)
    assert r.status_code == 302 and r.headers["Location"].endswith("/")
    assert visitor.get("/activate").status_code == 302  # signed in: sent home
    assert _checks(dbq, user.id, NEW_PASSWORD)
    assert dbq(lambda s: s.execute(select(AuditEntry.action).where(AuditEntry.entity_id == user.id)
                                   .order_by(AuditEntry.id.desc())).scalars().first()) == "account_activated"

    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = visitor.environ_base["REMOTE_ADDR"]
    r = _activate(other, user.login, code, password="mat-khau-khac-99")
    assert r.status_code == 400 and ACTIVATION_REFUSED in _page(r)
    assert _checks(dbq, user.id, NEW_PASSWORD) and not _checks(dbq, user.id, "mat-khau-khac-99")


def test_an_expired_code_is_refused(make, tree, dbq, visitor):
    """Is a code issued longer ago than ACTIVATION_CODE_DAYS refused, the account left without a password?"""
    user = _imported(make, dbq, tree["B2"])
    [code] = _issue(dbq, user, now=utcnow() - timedelta(days=31)).values()
    r = _activate(visitor, user.login, code)
    assert r.status_code == 400 and ACTIVATION_REFUSED in _page(r)
    assert _hash(dbq, user.id) == ""


def test_a_wrong_code_or_login_is_refused_alike(make, tree, dbq, visitor):
    """Are a wrong code, and a right code with another account's login, refused with the same message?"""
    user = _imported(make, dbq, tree["B2"])
    someone = _imported(make, dbq, tree["B2"])
    [code] = _issue(dbq, user).values()
    wrong = _activate(visitor, user.login, "ABCDE-FGHJK" if code != "ABCDE-FGHJK" else "ABCDE-FGHJM")
    elsewhere = _activate(visitor, someone.login, code)
    assert wrong.status_code == elsewhere.status_code == 400
    assert ACTIVATION_REFUSED in _page(wrong) and ACTIVATION_REFUSED in _page(elsewhere)
    assert _hash(dbq, user.id) == _hash(dbq, someone.id) == ""
    assert len(_open_codes(dbq, user.id)) == 1


def test_the_database_holds_no_plain_code(make, tree, dbq):
    """Is a code stored only as its keyed hash, nowhere in clear in its row or the audit trail?"""
    user = _imported(make, dbq, tree["B2"])
    [code] = _issue(dbq, user).values()
    [row] = _open_codes(dbq, user.id)
    stored = repr({c: getattr(row, c) for c in ActivationCode.__table__.columns.keys()})
    for form in (code, code.replace("-", ""), code.lower()):
        assert form not in stored
    assert re.fullmatch("[0-9a-f]{64}", row.code_hash)
    assert dbq(lambda s: code_hash(code)) == row.code_hash


def test_reissuing_ends_the_earlier_code(make, tree, dbq, visitor):
    """When a new code is issued, does the earlier one stop working and the new one work?"""
    user = _imported(make, dbq, tree["B2"])
    [first] = _issue(dbq, user).values()
    [second] = _issue(dbq, user).values()
    assert len(_open_codes(dbq, user.id)) == 1
    assert _activate(visitor, user.login, first).status_code == 400
    assert _activate(visitor, user.login, second).status_code == 302


def test_a_member_activates_with_their_card_number(make, tree, dbq, visitor):
    """Can a member type their card number as the account (the code in lower case, spaced)?"""
    user = _imported(make, dbq, tree["B2"], phone="0912345001")
    card = dbq(lambda s: s.get(User, user.id).member.card_number)
    [code] = _issue(dbq, user).values()
    r = _activate(visitor, f" {card} ", code.lower().replace("-", " "))
    assert r.status_code == 302
    assert _checks(dbq, user.id, NEW_PASSWORD)


def test_an_inactive_account_cannot_redeem(make, tree, dbq, visitor):
    """Is a deactivated account refused with the usual message, its code left unused?"""
    user = _imported(make, dbq, tree["B2"])
    [code] = _issue(dbq, user).values()

    def deactivate(s):
        s.get(User, user.id).active = False
        s.commit()

    dbq(deactivate)
    r = _activate(visitor, user.login, code)
    assert r.status_code == 400 and ACTIVATION_REFUSED in _page(r)
    assert _hash(dbq, user.id) == "" and len(_open_codes(dbq, user.id)) == 1


def test_guessing_one_login_is_stopped(make, tree, dbq, visitor):
    """After LOGIN_LIMIT wrong codes for one account, is the next try refused with 429, even with the
    right code, which stays unused?"""
    user = _imported(make, dbq, tree["B2"])
    [code] = _issue(dbq, user).values()
    allowed = int(activation.LOGIN_LIMIT.split("/")[0])
    wrong = "ABCDE-FGHJK" if code != "ABCDE-FGHJK" else "ABCDE-FGHJM"
    assert [_activate(visitor, user.login, wrong).status_code for _ in range(allowed)] == [400] * allowed
    r = _activate(visitor, user.login, code)
    assert r.status_code == 429 and "Vui lòng thử lại sau" in _page(r)
    assert _hash(dbq, user.id) == "" and len(_open_codes(dbq, user.id)) == 1


def test_guessing_from_one_address_is_stopped(make, tree, dbq, visitor, monkeypatch):
    """Past the limit per address, is a guess at any other account refused with 429?"""
    monkeypatch.setattr(activation, "ADDRESS_LIMIT", "3/hour")
    users = [_imported(make, dbq, tree["B2"]) for _ in range(4)]
    codes = _issue(dbq, *users)
    statuses = [_activate(visitor, u.login, "ABCDE-FGHJK" if codes[u.id] != "ABCDE-FGHJK" else "ABCDE-FGHJM").status_code
                for u in users[:3]]
    assert statuses == [400] * 3
    assert _activate(visitor, users[3].login, codes[users[3].id]).status_code == 429


def test_a_post_without_csrf_is_refused(make, tree, dbq, visitor):
    """Is a POST without its CSRF token refused (400) and the code left unused?"""
    user = _imported(make, dbq, tree["B2"])
    [code] = _issue(dbq, user).values()
    r = visitor.post("/activate", data={"login": user.login, "code": code, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert r.status_code == 400
    assert _hash(dbq, user.id) == "" and len(_open_codes(dbq, user.id)) == 1


def test_the_password_rules_are_the_own_change_rules(make, tree, dbq, visitor):
    """Are a short password and a mismatched one refused with the own-password change's messages, the code unused?"""
    user = _imported(make, dbq, tree["B2"])
    [code] = _issue(dbq, user).values()
    short = _activate(visitor, user.login, code, password="ngan")
    mismatch = _activate(visitor, user.login, code, password=NEW_PASSWORD, confirm=NEW_PASSWORD + "x")
    assert short.status_code == mismatch.status_code == 400
    assert "Mật khẩu từ 8 đến 200 ký tự." in _page(short) and "Hai mật khẩu mới không khớp." in _page(mismatch)
    assert len(_open_codes(dbq, user.id)) == 1


def test_the_login_page_leads_to_activation(client, auth, tree):
    """Does the login page link to /activate, and does a signed-in user who opens it go home?"""
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/activate"' in page and "Lần đầu sử dụng? Kích hoạt tài khoản bằng mã" in page
    auth.login(tree["member"])
    assert client.get("/activate").status_code == 302


# -- the files ------------------------------------------------------------------------------------
@pytest.fixture
def two_branches(make, dbq):
    """Two fresh branches: the first with four members named to sort differently in Vietnamese and
    by code point, the second with one; one more member of the first gets no code."""
    grassroots = make.org(kind="grassroots", name="Đảng bộ xã Phiếu")
    first = make.org(grassroots, "branch", "Chi bộ thôn Đông")
    second = make.org(grassroots, "branch", "Chi bộ thôn Đoài")
    names = ["Trần Văn Đức", "Lê Thị Ánh", "Phạm Văn Dũng", "Nguyễn Thị Bình"]
    users = [_imported(make, dbq, first, name) for name in names]
    users.append(_imported(make, dbq, second, "Hoàng Văn Em"))
    _imported(make, dbq, first, "Vũ Thị Không Mã")
    return first, second, users


def test_the_sheet_names_each_branch_its_members_and_codes(app, dbq, two_branches):
    """Read back with pypdf, does the sheet give each branch its own page with its name and code, its
    members in Vietnamese order with their accounts and codes, and nobody without a code?"""
    first, second, users = two_branches
    codes = _issue(dbq, *users)

    def sheet(s):
        out = io.BytesIO()
        write_activation_sheet(activation_rows(s, codes), out, url="https://sotay.example.vn/activate")
        return out.getvalue()

    with app.test_request_context():
        data = dbq(sheet)
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
    assert len(pages) == 2
    one, two = pages
    assert "PHIẾU KÍCH HOẠT TÀI KHOẢN SỔ TAY ĐẢNG VIÊN" in one and f"Chi bộ thôn Đông (mã {first.code})" in one
    assert f"Chi bộ thôn Đoài (mã {second.code})" in two and "Chi bộ thôn Đông" not in two
    order = [one.index(name) for name in ["Lê Thị Ánh", "Nguyễn Thị Bình", "Phạm Văn Dũng", "Trần Văn Đức"]]
    assert order == sorted(order)
    for user in users[:4]:
        assert user.login in one and codes[user.id] in one and codes[user.id] not in two
    assert "Hoàng Văn Em" in two and codes[users[4].id] in two
    assert "Không Mã" not in one + two
    assert "https://sotay.example.vn/activate" in one


def test_the_messages_file_has_one_row_per_account_and_no_formula(app, dbq, make):
    """Does the messages workbook list each account with its code and message, a name typed as a formula staying text?"""
    branch = make.org(kind="branch", name="Chi bộ Tin Nhắn")
    tricky = _imported(make, dbq, branch, '=HYPERLINK("http://x.vn","Bấm")')
    plain = _imported(make, dbq, branch, "Đỗ Thị Hoa")
    codes = _issue(dbq, tricky, plain)

    def messages(s):
        out = io.BytesIO()
        write_activation_messages(activation_rows(s, codes), out, "https://sotay.example.vn/activate")
        return out.getvalue()

    sheet = openpyxl.load_workbook(io.BytesIO(dbq(messages))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == activation.MESSAGES_HEADER
    by_login = {row[4]: row for row in rows[1:]}
    assert set(by_login) == {tricky.login, plain.login}
    assert by_login[plain.login][:2] == ("Chi bộ Tin Nhắn", "Đỗ Thị Hoa")
    assert by_login[plain.login][5] == codes[plain.id] and codes[plain.id] in by_login[plain.login][7]
    assert "https://sotay.example.vn/activate" in by_login[plain.login][7]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert [c.value for c in cells if "HYPERLINK" in str(c.value) and c.column == 2] == ["'" + '=HYPERLINK("http://x.vn","Bấm")']


def test_a_message_tells_the_member_everything(app):
    """Does a message name the member, the account, the code, its last day and where to activate?"""
    row = ActivationRow("T1", "Chi bộ 1", "Nguyễn Văn A", "0912000111", "ABCDE-FGHJK",
                        expires_at=utcnow().replace(year=2027, month=1, day=5, hour=3), phone="0912000111")
    text = activation.activation_message(row, "https://sotay.example.vn/activate")
    for part in ("Nguyễn Văn A", "0912000111", "ABCDE-FGHJK", "05/01/2027", "https://sotay.example.vn/activate"):
        assert part in text


# -- the accounts screen --------------------------------------------------------------------------
def _issue_action(client, *users):
    token = csrf_token(client, "/admin/user/")
    return client.post("/admin/user/action/", data={"action": "issue_codes", "csrf_token": token,
                                                    "rowid": [str(u.id) for u in users]})


def _codes_of(dbq, *users):
    return dbq(lambda s: s.execute(select(ActivationCode).where(ActivationCode.user_id.in_([u.id for u in users])))
               .scalars().all())


def test_a_committee_issues_codes_and_gets_the_sheet(client, auth, make, tree, dbq):
    """Does a committee's "Cấp mã kích hoạt" on a member account of its subtree issue one code, audit
    it with the count, and answer with the PDF sheet naming the member?"""
    user = _imported(make, dbq, tree["B2"], "Phan Thị Được Cấp")
    auth.login(tree["committee"])
    r = _issue_action(client, user)
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert "phieu-kich-hoat.pdf" in r.headers["Content-Disposition"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(r.data)).pages)
    assert "Phan Thị Được Cấp" in text and user.login in text
    [row] = _codes_of(dbq, user)
    assert row.used_at is None and row.issued_by_id == tree["committee"].id
    entry = dbq(lambda s: s.execute(select(AuditEntry).where(AuditEntry.action == "activation_issue")
                                    .order_by(AuditEntry.id.desc())).scalars().first())
    assert entry.user_id == tree["committee"].id and entry.detail["count"] == 1


def test_issuing_outside_the_subtree_is_refused_whole(client, auth, make, tree, dbq):
    """When a committee selects an account of its subtree and one of another district, is the action
    refused and no code issued to either?"""
    inside = _imported(make, dbq, tree["B2"])
    outside = _imported(make, dbq, tree["B3"])
    auth.login(tree["committee"])
    r = _issue_action(client, inside, outside)
    assert r.status_code == 302
    assert _codes_of(dbq, inside, outside) == []


def test_a_secretary_cannot_issue_for_a_committee_account(client, auth, make, tree, dbq):
    """Is a branch secretary refused a code for a committee account inside their branch, nothing issued?"""
    higher = make.user("committee", tree["B1"])
    auth.login(tree["secretary"])
    r = _issue_action(client, higher)
    assert r.status_code == 302
    assert _codes_of(dbq, higher) == []
    assert "Không cấp mã kích hoạt" in client.get(r.headers["Location"]).get_data(as_text=True)


def test_a_secretary_issues_for_a_member_of_their_branch(client, auth, make, tree, dbq):
    """Can a branch secretary issue a code for a member account of their own branch?"""
    user = _imported(make, dbq, tree["B1"])
    auth.login(tree["secretary"])
    r = _issue_action(client, user)
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert len(_codes_of(dbq, user)) == 1


def test_the_list_shows_activation_and_filters_on_it(client, auth, make, tree, dbq):
    """Does the accounts list say which accounts are activated, and does its filter keep only those without a password?"""
    waiting = _imported(make, dbq, tree["B2"])
    auth.login(tree["committee"])
    page = client.get("/admin/user/?page_size=100").get_data(as_text=True)
    assert "Chưa kích hoạt" in page and "Đã kích hoạt" in page
    view = next(v for v in client.application.extensions["handbook_admin"]._views if v.endpoint == "user")
    index = next(i for i, f in enumerate(view._filters) if f.name == "Kích hoạt")
    unactivated = client.get(f"/admin/user/?page_size=100&flt0_{index}=0").get_data(as_text=True)
    assert waiting.login in unactivated and tree["member"].login not in unactivated
    activated = client.get(f"/admin/user/?page_size=100&flt0_{index}=1").get_data(as_text=True)
    assert waiting.login not in activated and tree["member"].login in activated


def test_a_password_set_by_staff_ends_the_open_codes(client, auth, make, tree, dbq):
    """When staff set an account's password on the form, does its code stop working, the change still audited?"""
    user = _imported(make, dbq, tree["B2"])
    [code] = _issue(dbq, user).values()
    auth.login(tree["committee"])
    token = csrf_token(client, f"/admin/user/edit/?id={user.id}")
    r = client.post(f"/admin/user/edit/?id={user.id}", data={
        "csrf_token": token, "login": user.login, "role": "member", "member": str(user.member_id),
        "active": "y", "new_password": "mat-khau-can-bo-1",
    })
    assert r.status_code == 302
    assert _open_codes(dbq, user.id) == []
    entry = dbq(lambda s: s.execute(select(AuditEntry).where(AuditEntry.action == "update", AuditEntry.entity_id == user.id)
                                    .order_by(AuditEntry.id.desc())).scalars().first())
    assert entry.detail["password_changed"] is True
    visitor = client.application.test_client()
    visitor.environ_base["REMOTE_ADDR"] = "10.78.0.1"
    assert _activate(visitor, user.login, code).status_code == 400
    assert _checks(dbq, user.id, "mat-khau-can-bo-1") and not _checks(dbq, user.id, PASSWORD)
