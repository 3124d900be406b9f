"""The member home lists what needs the member today."""
import re
import time

from content_support import make_article, make_document
from support import csrf_token


def _private_branch(make, name):
    """A tree of its own, so that what other tests publish does not reach its members."""
    root = make.org(kind="province", name=f"Đảng bộ tỉnh {name}")
    committee = make.org(root, "committee", f"Huyện ủy {name}")
    other = make.org(root, "committee", f"Huyện ủy Khác {name}")
    branch = make.org(make.org(committee, "grassroots"), "branch", f"Chi bộ {name}")
    return root, committee, other, branch


def test_home_lists_points_to_target_and_new_reading(app, client, auth, make, monkeypatch):
    """Does the home show the points still missing to the yearly target, the new unread documents
    and the newest unread article, and drop an item once it is read?"""
    monkeypatch.setitem(app.config, "TODAY_CACHE_SECONDS", 0)  # every visit computes afresh
    root, committee, other, branch = _private_branch(make, "Riêng")
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


def test_kept_items_follow_own_reading_at_once_and_new_publications_within_the_ttl(app, client, auth, make, monkeypatch):
    """With the per-member cache on, does the member's own reading show on the next visit, while a
    document someone else publishes shows once TODAY_CACHE_SECONDS have passed?"""
    monkeypatch.setitem(app.config, "TODAY_CACHE_SECONDS", 1)
    root, committee, _other, branch = _private_branch(make, "Bộ Nhớ")
    user = make.user("member", branch, make.member(branch, "Lưu Thị Bộ Nhớ"))
    first = make_document(app, root, "Nghị quyết thứ nhất", points=2)
    auth.login(user)
    assert "1 tài liệu mới chưa đọc" in client.get("/").get_data(as_text=True)

    make_document(app, committee, "Nghị quyết thứ hai")
    assert "1 tài liệu mới chưa đọc" in client.get("/").get_data(as_text=True)  # kept for the TTL

    token = csrf_token(client, f"/documents/{first.id}")
    client.post(f"/documents/{first.id}/read", data={"csrf_token": token})
    html = client.get("/").get_data(as_text=True)
    assert "còn 98 điểm" in html  # their own reading changed the key: computed afresh
    assert "1 tài liệu mới chưa đọc" in html  # the first is read, the second now counted

    make_document(app, committee, "Nghị quyết thứ ba")
    time.sleep(1.1)
    assert "2 tài liệu mới chưa đọc" in client.get("/").get_data(as_text=True)
