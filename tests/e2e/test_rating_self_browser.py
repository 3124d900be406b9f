"""A member assesses their own year on a phone: the scores typed in the boxes, the level shown, and
nothing wider than the screen at the normal and at the largest text size."""
import re

import pytest
from sqlalchemy import select

from browser import login, save_screenshot
from handbook.extensions import db
from handbook.organizations.models import Organization
from handbook.ratings.evidence import rule_set_of
from handbook.ratings.models import RatingRuleSet
from handbook.ratings.operations import copy_rule_set, open_year
from support import PASSWORD

# Elements wider than the screen, and the page's own width: what a sideways scroll would show.
OVERFLOW = """() => ({width: document.documentElement.scrollWidth,
  wide: [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)
        .map(e => e.tagName + '.' + e.className).slice(0, 5)})"""
SCORES = {"1.1": "8", "1.2": "7,5", "1.3": "8", "1.4": "6", "2.1": "36", "2.2": "18", "2.3": "9"}  # 92,5
LARGEST_TEXT = "5"


@pytest.fixture
def member(app, make):
    """A member of a branch whose year (the 2025 rules copied to a free year, open) awaits their self-assessment."""
    grassroots = make.org(kind="grassroots", name="Đảng bộ xã Trình Duyệt")
    branch = make.org(grassroots, "branch", "Chi bộ thôn Trình Duyệt")
    user = make.user("member", branch, make.member(branch, "Nguyễn Thị Hường Tự Chấm"))
    with app.app_context():
        taken = set(db.session.execute(select(RatingRuleSet.year)).scalars())
        year = next(y for y in range(2041, 2200) if y not in taken)
        rule_set = copy_rule_set(db.session, rule_set_of(db.session, 2025), year)
        rule_set.conditions = [c for c in rule_set.conditions if c.key != "points_reached"]
        rule_set.is_open = True
        open_year(db.session, rule_set, db.session.get(Organization, grassroots.id))
        db.session.commit()
    user.year = year
    return user


def test_member_scores_their_year_on_a_phone(live_server, phone_page, member):
    """On a 360×740 screen, can a member reach the page from the home's reminder, type each score
    (a comma for decimals) in a box made for a thumb, be told beside the box that a score passes its
    maximum, correct it and see their level, with no sideways scroll at any point, even at the
    largest text size?"""
    page = phone_page
    login(page, live_server, member.login, PASSWORD)
    page.get_by_role("link", name=f"Tự đánh giá, xếp loại đảng viên năm {member.year}").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/me/rating")
    assert page.evaluate(OVERFLOW) == {"width": 360, "wide": []}
    boxes = page.locator("input[inputmode=decimal]")
    assert boxes.count() == len(SCORES)
    assert boxes.first.bounding_box()["height"] >= 44
    for code, value in {**SCORES, "2.1": "41"}.items():
        page.locator(f'input[name="score-{code}"]').fill(value)
    page.get_by_label(re.compile("Tự nhận xét")).fill("Hoàn thành tốt các nhiệm vụ được giao; cần học tập thêm.")
    save_screenshot(page, "rating-self-filled-360")
    page.get_by_role("button", name="Gửi bản tự đánh giá").click()
    page.wait_for_load_state("networkidle")

    assert page.get_by_test_id("refusal").inner_text() == "Điểm tự chấm chưa hợp lệ."
    assert page.get_by_test_id("error-2.1").inner_text() == "Điểm từ 0 đến 40."
    box = page.locator('input[name="score-2.1"]')
    assert box.input_value() == "41" and box.get_attribute("aria-invalid") == "true"
    assert page.locator('input[name="score-1.2"]').input_value() == "7,5"
    assert page.evaluate(OVERFLOW) == {"width": 360, "wide": []}
    save_screenshot(page, "rating-self-refused-360")
    box.fill(SCORES["2.1"])
    page.get_by_role("button", name="Gửi bản tự đánh giá").click()
    page.wait_for_load_state("networkidle")

    assert "Đã lưu bản tự đánh giá: Hoàn thành xuất sắc nhiệm vụ" in page.locator(".flash").inner_text()
    assert page.get_by_test_id("self-score").inner_text() == "92,5/100"
    assert page.get_by_test_id("self-level").inner_text().startswith("HTXSNV")
    assert page.locator('input[name="score-1.2"]').input_value() == "7,5"
    assert "Tự đánh giá" in page.get_by_test_id("history").inner_text()
    assert page.evaluate(OVERFLOW) == {"width": 360, "wide": []}
    save_screenshot(page, "rating-self-saved-360")

    page.context.add_cookies([{"name": "text_size", "value": LARGEST_TEXT, "url": live_server}])
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.className") == f"ts-{LARGEST_TEXT}"
    assert page.evaluate(OVERFLOW) == {"width": 360, "wide": []}
    save_screenshot(page, "rating-self-largest-text-360")
    assert page.js_errors == []
