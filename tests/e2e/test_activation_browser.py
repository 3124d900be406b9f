"""A member activates their new account on a phone: from the login page, with the code on their sheet."""
import itertools

from browser import save_screenshot
from handbook.auth.activation import issue_codes
from handbook.auth.models import User
from handbook.extensions import db

# Elements wider than the screen, and the page's own width: what a sideways scroll would show.
OVERFLOW = """() => ({width: document.documentElement.scrollWidth,
  wide: [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)
        .map(e => e.tagName + '.' + e.className).slice(0, 5)})"""
NEW_PASSWORD = "mat-khau-cua-toi-2026"
_phones = itertools.count(1)


def test_member_activates_on_a_phone(app, live_server, phone_page, make):
    """On a 360×740 screen, can a member with an issued code go from the login page to the activation
    form, be told a mistyped code is wrong, then activate with the right one and a password of their
    choice and land on their home signed in, with no sideways scroll and no script error?"""
    branch = make.org(kind="branch", name="Chi bộ thôn Kích Hoạt")
    phone = f"0978{next(_phones):06d}"
    user = make.user("member", branch, make.member(branch, "Nguyễn Thị Hường Kích Hoạt"), login=phone)
    with app.app_context():
        db.session.get(User, user.id).password_hash = ""  # as the import makes it
        [code] = issue_codes(db.session, [user.id]).values()
        db.session.commit()
    wrong = "ABCDE-FGHJK" if code != "ABCDE-FGHJK" else "ABCDE-FGHJM"

    page = phone_page
    page.goto(f"{live_server}/login")
    page.get_by_role("link", name="Lần đầu sử dụng? Kích hoạt tài khoản bằng mã").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/activate")
    assert page.evaluate(OVERFLOW) == {"width": 360, "wide": []}
    for name in ("login", "code", "new", "confirm"):
        assert page.locator(f"input[name={name}]").bounding_box()["height"] >= 44

    page.get_by_label("Tài khoản").fill("0978 " + phone[4:])  # typed with a space, as people do
    page.get_by_label("Mã kích hoạt").fill(wrong)
    page.get_by_label("Mật khẩu mới", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Nhập lại mật khẩu mới").fill(NEW_PASSWORD)
    save_screenshot(page, "activation-filled-360")
    page.get_by_role("button", name="Kích hoạt tài khoản").click()
    page.wait_for_load_state("networkidle")
    assert "Tài khoản hoặc mã kích hoạt không đúng, hoặc mã đã được dùng/hết hạn." in page.locator(".flash").inner_text()
    assert page.evaluate(OVERFLOW) == {"width": 360, "wide": []}
    save_screenshot(page, "activation-refused-360")

    page.get_by_label("Mã kích hoạt").fill(code.lower().replace("-", " "))
    page.get_by_label("Mật khẩu mới", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Nhập lại mật khẩu mới").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Kích hoạt tài khoản").click()
    page.wait_for_load_state("networkidle")
    assert page.url.rstrip("/") == live_server
    assert page.get_by_role("heading", level=1).inner_text() == "Xin chào, Nguyễn Thị Hường Kích Hoạt"
    assert "Đã kích hoạt tài khoản" in page.locator(".flash").inner_text()
    assert page.evaluate(OVERFLOW) == {"width": 360, "wide": []}
    save_screenshot(page, "activation-home-360")
    assert page.js_errors == []
    with app.app_context():
        assert db.session.get(User, user.id).check_password(NEW_PASSWORD)
