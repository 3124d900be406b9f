"""The member home lists what needs the member today."""
import re

from content_support import make_article, make_document
from support import csrf_token


def test_home_lists_points_to_target_and_new_reading(app, client, auth, make):
    """Does the home show the points still missing to the yearly target, the new unread documents
    and the newest unread article, and drop an item once it is read?"""
    # A tree of its own, so that what other tests publish does not reach this member.
    root = make.org(kind="province", name="Đảng bộ tỉnh Riêng")
    committee = make.org(root, "committee", "Huyện ủy Riêng")
    other = make.org(root, "committee", "Huyện ủy Khác")
    branch = make.org(make.org(committee, "grassroots"), "branch", "Chi bộ Riêng")
    user = make.user("member", branch, make.member(branch, "Hà Thị Hôm Nay"))
    auth.login(user)
    html = client.get("/").get_data(as_text=True)
    assert "còn 100 điểm để đạt chỉ tiêu" in html and "tài liệu mới chưa đọc" not in html and "Tin mới" not in html

    doc = make_document(app, root, "Nghị quyết mới của Tỉnh ủy", points=3)
    make_document(app, committee, "Chỉ thị mới của huyện", points=2)
    make_document(app, other, "Văn bản của huyện khác")  # not on this member's path
    article = make_article(app, committee, "Tin mới về sinh hoạt chi bộ")
    html = client.get("/").get_data(as_text=True)
    assert "2 tài liệu mới chưa đọc" in html
    assert f'<a href="/news/{article.id}">Tin mới: Tin mới về sinh hoạt chi bộ</a>' in html

    token = csrf_token(client, f"/news/{article.id}")
    client.post(f"/news/{article.id}/read", data={"csrf_token": token})
    client.post(f"/documents/{doc.id}/read", data={"csrf_token": token})
    html = client.get("/").get_data(as_text=True)
    assert "Tin mới" not in html
    assert "còn 96 điểm" in html
    assert "1 tài liệu mới chưa đọc" in html
    assert re.search(r'href="/documents/"[^>]*>Điểm tích lũy năm \d{4}: 4/100', html)
