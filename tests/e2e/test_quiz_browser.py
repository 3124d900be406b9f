"""A member takes a quiz on a phone, reloading half-way."""
import re
from playwright.sync_api import expect

from browser import login, save_screenshot
from study_support import make_category, make_questions, make_quiz
from support import PASSWORD


def _no_sideways_scroll(page):
    """Nothing on the page is wider than the 360 px screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_member_takes_a_quiz_on_a_phone_and_reloads_half_way(app, live_server, phone_page, make, tree):
    """On a 360×740 screen, can a member open Học tập, start a quiz, answer a question, reload (the choice
    still checked, the timer still counting to the server's deadline), be asked before handing in with
    questions unanswered, answer the rest, hand in and read the result, with nothing wider than the
    screen and no script error?"""
    category = make_category(app, tree["P"], "Lịch sử Đảng trên điện thoại")
    make_questions(app, category, 4)
    quiz = make_quiz(app, tree["P"], [category], title="Thi tìm hiểu lịch sử Đảng trên điện thoại",
                     question_count=3, time_limit_minutes=10, points=6)
    member = make.member(tree["B2"], "Phạm Thị Thi Thử")
    user = make.user("member", tree["B2"], member)
    page = phone_page
    login(page, live_server, user.login, PASSWORD)

    page.goto(f"{live_server}/study/")
    card = page.locator("[data-testid=open-quiz]", has_text=quiz.title)
    _no_sideways_scroll(page)
    card.get_by_role("link", name="Làm bài").click()
    page.wait_for_load_state("networkidle")
    assert "10 phút" in page.get_by_test_id("rules").inner_text()
    page.get_by_role("button", name="Làm bài").click()
    page.wait_for_url(re.compile(r"/study/attempts/\d+$"))
    attempt_url = page.url
    timer = page.get_by_test_id("timer")
    started = int(timer.get_attribute("data-seconds-left"))
    assert 590 <= started <= 600
    _no_sideways_scroll(page)

    # Each option is a row of at least 48 px, the whole row a target.
    first = page.locator("fieldset.question").nth(0).locator("label.option").nth(1)
    assert first.bounding_box()["height"] >= 48
    first.click()
    expect(page.get_by_test_id("save-state")).to_contain_text("Đã lưu lựa chọn (1 câu")
    page.wait_for_timeout(2100)

    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.url == attempt_url
    assert page.locator("fieldset.question").nth(0).locator("input").nth(1).is_checked()
    resumed = int(page.get_by_test_id("timer").get_attribute("data-seconds-left"))
    assert started - 10 <= resumed <= started - 2  # counted from the deadline, not restarted
    shown = page.get_by_test_id("timer").locator("strong").inner_text()
    minutes, seconds = (int(x) for x in shown.split(":"))
    assert abs(minutes * 60 + seconds - resumed) <= 2
    page.wait_for_timeout(1200)
    assert page.get_by_test_id("timer").locator("strong").inner_text() != f"{started // 60}:{started % 60:02d}"

    # Handing in with two questions unanswered asks first; "Hủy" keeps the sheet open.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Nộp bài").click()
    page.wait_for_timeout(300)
    assert page.url == attempt_url

    for n in (1, 2):
        page.locator("fieldset.question").nth(n).locator("label.option").nth(0).click()
    expect(page.get_by_test_id("save-state")).to_contain_text("Đã lưu lựa chọn (3 câu")
    _no_sideways_scroll(page)
    save_screenshot(page, "quiz-attempt-360")
    # What the phone shows half-way down the sheet: the countdown stays on top.
    page.locator("fieldset.question").nth(1).scroll_into_view_if_needed()
    page.screenshot(path="/tmp/quiz-360.png")

    page.get_by_role("button", name="Nộp bài").click()
    page.wait_for_load_state("networkidle")
    assert page.url == attempt_url
    result = page.get_by_test_id("result").inner_text()
    assert "Kết quả lần 1" in result and "đúng" in result
    assert re.search(r"\d+(,\d)?/100", page.get_by_test_id("score").inner_text())
    assert "Đã nộp bài" in page.locator(".flash").inner_text()
    assert "Xem lại bài làm" in page.content()
    _no_sideways_scroll(page)
    save_screenshot(page, "quiz-result-360")
    assert page.js_errors == []
