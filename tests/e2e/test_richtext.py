"""A secretary writes news in the back office's rich-text editor; a member reads it formatted."""
from sqlalchemy import select

from browser import login, save_screenshot
from support import PASSWORD
from test_csp import _watch

from handbook.content.models import Article
from handbook.extensions import db


def test_secretary_writes_formatted_news_that_a_member_reads(app, live_server, desktop_page, phone_page, make, tree):
    """Does the editor speak Vietnamese, keep bold, heading and list through the save, drop a pasted
    script, and show the formatting on the member's phone, with no CSP or script errors?"""
    page = desktop_page
    problems = _watch(page)
    login(page, live_server, tree["secretary"].login, PASSWORD)
    page.goto(f"{live_server}/admin/article/new/")
    editor = page.locator("trix-editor")
    editor.wait_for()
    assert page.locator("textarea#body_html").is_hidden()  # the editor took its place
    assert page.locator("trix-toolbar button[data-trix-attribute=bold]").get_attribute("title") == "Đậm"
    assert page.locator("trix-toolbar .trix-button-group--file-tools").is_hidden()
    page.fill("#title", "Chi bộ B1 họp chuyên đề tháng Mười Một")

    editor.click()
    page.locator("trix-toolbar button[data-trix-attribute=heading1]").click()
    page.keyboard.type("Nội dung chính")
    page.keyboard.press("Enter")
    page.keyboard.type("Đảng viên ")
    page.locator("trix-toolbar button[data-trix-attribute=bold]").click()
    page.keyboard.type("tham dự đầy đủ")
    page.locator("trix-toolbar button[data-trix-attribute=bold]").click()
    page.keyboard.type(".")
    page.keyboard.press("Enter")
    page.locator("trix-toolbar button[data-trix-attribute=bullet]").click()
    page.keyboard.type("Học tập nghị quyết")
    page.keyboard.press("Enter")
    page.keyboard.type("Sinh hoạt chuyên đề")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # a second Enter leaves the list
    # Pasted hostile HTML: neither the editor nor the saved text keeps a script or a javascript: link.
    editor.evaluate("""el => el.editor.insertHTML(
        '<p>dán <a href="javascript:window.pwned=1">liên kết</a><script>window.pwned=1</script></p>')""")
    assert "<strong>tham dự đầy đủ</strong>" in page.locator("textarea#body_html").input_value()
    page.locator("#status").select_option("published", force=True)  # select2 hides the select
    save_screenshot(page, "admin-article-richtext")
    page.locator("form.admin-form input[type=submit].btn-primary").first.click()
    page.wait_for_load_state("networkidle")
    assert "/new/" not in page.url
    assert problems == [], problems

    with app.app_context():
        article = db.session.scalars(select(Article).filter_by(title="Chi bộ B1 họp chuyên đề tháng Mười Một")).one()
        body, article_id = article.body_html, article.id
    assert "<h1>Nội dung chính</h1>" in body
    assert "<strong>tham dự đầy đủ</strong>" in body
    assert "<li>Học tập nghị quyết</li>" in body and "<li>Sinh hoạt chuyên đề</li>" in body
    assert "javascript:" not in body and "<script" not in body and "pwned" not in body

    # Editing opens the saved text, formatted, in the editor.
    page.goto(f"{live_server}/admin/article/edit/?id={article_id}")
    assert page.locator("trix-editor strong").inner_text() == "tham dự đầy đủ"
    assert page.locator("trix-editor h1").inner_text() == "Nội dung chính"
    assert problems == [], problems

    member = make.member(tree["B1"], "Lã Thị Đọc Tin")
    reader = make.user("member", tree["B1"], member)
    login(phone_page, live_server, reader.login, PASSWORD)
    phone_page.goto(f"{live_server}/news/{article_id}")
    content = phone_page.locator(".reader .body")
    assert content.locator("strong").inner_text() == "tham dự đầy đủ"
    assert content.locator("li").all_inner_texts() == ["Học tập nghị quyết", "Sinh hoạt chuyên đề"]
    assert phone_page.evaluate("window.pwned") is None
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    save_screenshot(phone_page, "member-article-richtext-360")
