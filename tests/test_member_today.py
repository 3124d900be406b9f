"""The member home lists what needs the member today."""
import re

from content_support import make_article, make_document
from support import csrf_token


def test_home_lists_points_to_target_and_new_reading(app, client, auth, make, tree):
    """Does the home show the points still missing to the yearly target, the new unread documents
    and the newest unread article, and drop an item once it is read?"""
    member = make.member(tree["B3"], "Hà Thị Hôm Nay")
    user = make.user("member", tree["B3"], member)
    auth.login(user)

    def new_documents():
        found = re.search(r"(\d+) tài liệu mới chưa đọc", client.get("/").get_data(as_text=True))
        return int(found.group(1)) if found else 0

    before = new_documents()
    doc = make_document(app, tree["P"], "Nghị quyết mới của Tỉnh ủy", points=3)
    make_document(app, tree["C2"], "Chỉ thị mới của huyện", points=2)
    make_document(app, tree["C1"], "Văn bản của huyện khác")  # not on this member's path
    # Pinned, so that it heads the feed whatever other tests published before.
    article = make_article(app, tree["G2"], "Tin mới về sinh hoạt chi bộ", pinned=True)
    html = client.get("/").get_data(as_text=True)
    assert "còn 100 điểm để đạt chỉ tiêu" in html
    assert new_documents() == before + 2
    assert "Tin mới: Tin mới về sinh hoạt chi bộ" in html
    token = csrf_token(client, f"/news/{article.id}")
    client.post(f"/news/{article.id}/read", data={"csrf_token": token})
    client.post(f"/documents/{doc.id}/read", data={"csrf_token": token})
    html = client.get("/").get_data(as_text=True)
    assert "Tin mới về sinh hoạt chi bộ" not in html
    assert "còn 96 điểm" in html
    assert new_documents() == before + 1
