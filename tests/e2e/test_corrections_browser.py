"""The correction flow and the sessions page in a real browser: a member on a phone at the largest
text size, the secretary on a desktop, and the record and audit afterwards."""
from datetime import date

import pytest

from browser import ARTIFACTS, login
from support import PASSWORD

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.5 Mobile/15E148 Safari/604.1")
LARGEST_TEXT = "5"
# Elements wider than the screen, and the page's own width: what a sideways scroll would show.
OVERFLOW = """() => ({width: document.documentElement.scrollWidth,
  wide: [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)
        .map(e => e.tagName + '.' + e.className).slice(0, 5)})"""
# Lines the masked CCCD takes on screen.
MASKED_LINES = """() => { const range = document.createRange();
  range.selectNodeContents(document.querySelector('[data-testid=record] dd.masked'));
  return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; }"""


@pytest.fixture
def member_on_phone(browser, live_server, make, tree):
    """A member of branch B1 with a full record, logged in on a phone at the largest text size; (member, page)."""
    member = make.member(tree["B1"], "Phạm Thị Trình Duyệt", date_of_birth=date(1970, 5, 1), gender="female",
                         admitted_on=date(1995, 3, 10), official_on=date(1996, 3, 10), phone="0912000222",
                         hometown="Thái Thụy, Thái Bình", national_id="034170000662")
    account = make.user("member", tree["B1"], member)
    context = browser.new_context(viewport=PHONE, locale="vi-VN", user_agent=IPHONE)
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": "text_size", "value": LARGEST_TEXT, "url": live_server}])
    page = context.new_page()
    login(page, live_server, account.login, PASSWORD)
    yield member, page
    context.close()


@pytest.fixture
def secretary_on_desktop(browser, live_server, tree):
    """The tree's secretary of branch B1, logged in on a desktop."""
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    login(page, live_server, tree["secretary"].login, PASSWORD)
    yield page
    context.close()


def shot(page, name):
    """A viewport screenshot for a person to look at (copied to docs/screenshots/ by hand)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def send(page, label, value, note=""):
    """Fill and send the member's correction form."""
    page.get_by_label("Thông tin cần sửa").select_option(label=label)
    page.get_by_label("Giá trị đúng").fill(value)
    page.get_by_label("Ghi chú (căn cứ, giấy tờ kèm theo)").fill(note)
    with page.expect_navigation():
        page.get_by_role("button", name="Gửi đề nghị").click()


def open_request(page, live_server, member_name):
    """Open the newest request of ``member_name`` from the secretary's list."""
    page.goto(f"{live_server}/admin/correction/")
    row = page.locator("tr", has_text=member_name).first
    with page.expect_navigation():
        row.locator("a[href*='/details/']").click()


def test_a_correction_goes_from_the_phone_into_the_record(live_server, member_on_phone, secretary_on_desktop, dbq):
    """Is an address refused as a birth date with the Vietnamese message, a real date sent, shown to the
    secretary beside the current value, accepted, written into the record and listed in the audit?"""
    from handbook.audit.models import AuditEntry

    member, phone = member_on_phone
    phone.goto(f"{live_server}/me/data")
    send(phone, "Ngày sinh", "Số 5 Lê Lợi, Kiến Xương")
    assert "Ngày sinh phải ghi theo dạng ngày/tháng/năm" in phone.get_by_test_id("value-error").inner_text()
    assert phone.get_by_test_id("corrections").count() == 0
    send(phone, "Ngày sinh", "18/09/1972", "Theo giấy khai sinh")
    cards = phone.get_by_test_id("corrections")
    assert "18/09/1972" in cards.inner_text() and "Chờ xử lý" in cards.inner_text()
    assert phone.evaluate("getComputedStyle(document.documentElement).fontSize") == "32px"
    overflow = phone.evaluate(OVERFLOW)
    assert overflow["width"] <= PHONE["width"] and overflow["wide"] == []
    assert phone.evaluate(MASKED_LINES) == 1
    phone.evaluate("document.querySelector('[data-testid=record] dd.masked').scrollIntoView({block: 'center'})")
    shot(phone, "my-data-cccd-360")
    phone.evaluate("document.querySelector('#correction-h ~ h3').scrollIntoView()")
    shot(phone, "corrections-member-360")

    desk = secretary_on_desktop
    open_request(desk, live_server, member.full_name)
    details = desk.locator("table").first.inner_text()
    for text in ("Ngày sinh", "01/05/1970", "18/09/1972", "Theo giấy khai sinh", member.full_name):
        assert text in details, text
    shot(desk, "corrections-secretary-1280")
    with desk.expect_navigation():
        desk.get_by_role("button", name="Chấp nhận và sửa hồ sơ").click()
    assert "Đã sửa hồ sơ theo đề nghị" in desk.content()
    assert desk.get_by_test_id("answer-closed").is_visible()

    desk.goto(f"{live_server}/admin/member/details/?id={member.id}")
    assert "18/09/1972" in desk.locator("table").first.inner_text()
    entry_id = dbq(lambda s: s.query(AuditEntry.id).filter(AuditEntry.entity == "member", AuditEntry.action == "update",
                                                            AuditEntry.entity_id == member.id).scalar())
    desk.goto(f"{live_server}/admin/audit/")
    assert desk.locator(f"a[href*='/admin/audit/details/?id={entry_id}']").count() == 1
    desk.goto(f"{live_server}/admin/audit/details/?id={entry_id}")
    audit = desk.locator("table").first.inner_text()
    assert "Cập nhật" in audit and "Đảng viên" in audit and '"date_of_birth": ["1970-05-01", "1972-09-18"]' in audit

    phone.goto(f"{live_server}/me/data")
    assert "18/09/1972" in phone.get_by_test_id("record").inner_text()
    assert "Đã sửa" in phone.get_by_test_id("corrections").inner_text()


def test_a_rejection_gives_the_member_its_reason(live_server, member_on_phone, secretary_on_desktop):
    """Does a request rejected with a reason show the member "Không chấp nhận" and that reason?"""
    member, phone = member_on_phone
    phone.goto(f"{live_server}/me/data")
    send(phone, "Điện thoại", "0987 654 321")
    desk = secretary_on_desktop
    open_request(desk, live_server, member.full_name)
    assert "0987654321" in desk.locator("table").first.inner_text()
    desk.get_by_label("Lý do không chấp nhận (đảng viên sẽ đọc)").fill("Số máy này không khớp với lý lịch đảng viên")
    with desk.expect_navigation():
        desk.get_by_role("button", name="Không chấp nhận").click()
    phone.goto(f"{live_server}/me/data")
    cards = phone.get_by_test_id("corrections").inner_text()
    assert "Không chấp nhận" in cards and "Số máy này không khớp với lý lịch đảng viên" in cards
    # The secretary's visit is now listed under "Ai đã xem hồ sơ của tôi": it must fit too.
    assert "Mở hồ sơ" in phone.get_by_test_id("opened").inner_text()
    overflow = phone.evaluate(OVERFLOW)
    assert overflow["width"] <= PHONE["width"] and overflow["wide"] == []


def test_sessions_are_named_in_words_on_a_phone(live_server, member_on_phone):
    """Does the sessions page name the phone in words, with no bullets and nothing wider than the screen?"""
    _member, phone = member_on_phone
    phone.goto(f"{live_server}/me/sessions")
    cards = phone.get_by_test_id("sessions")
    assert "Safari trên iPhone · điện thoại" in cards.inner_text() and "Mozilla" not in phone.content()
    assert cards.evaluate("e => getComputedStyle(e).listStyleType") == "none"
    overflow = phone.evaluate(OVERFLOW)
    assert overflow["width"] <= PHONE["width"] and overflow["wide"] == []
    cards.evaluate("e => e.scrollIntoView()")
    shot(phone, "sessions-360")


def test_a_secretary_gets_back_to_the_back_office_from_the_sessions_page(live_server, secretary_on_desktop):
    """Opened from the back office's "Hệ thống" menu, does the sessions page keep the back office around it,
    with a way back to /admin/?"""
    desk = secretary_on_desktop
    desk.goto(f"{live_server}/admin/")
    desk.get_by_role("link", name="Hệ thống").click()
    with desk.expect_navigation():
        desk.get_by_role("link", name="Phiên đăng nhập của tôi").click()
    assert desk.url == f"{live_server}/admin/sessions/"
    assert "Chrome" in desk.get_by_test_id("sessions").inner_text()
    shot(desk, "sessions-admin-1280")
    with desk.expect_navigation():
        desk.locator("a.navbar-brand").click()
    assert desk.url == f"{live_server}/admin/"
