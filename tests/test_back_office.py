"""The back office as a person reads it (issue 11, item 7): dates in one Vietnamese format, an
organization's place in the tree, a branch secretary's lists, one heading a page, the site icon."""
import json
import re
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from content_support import make_article
from handbook.forms import DATE_MESSAGE, DATETIME_MESSAGE, parse_local
from handbook.organizations.models import Member, Organization
from support import AuthActions, count_queries, logged_in_client
from test_lost_edits import open_edit, save


def _text(html: str) -> str:
    """A page's text without tags, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# -- dates -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, meant", [
    ("18/09/1972", (date(1972, 9, 18), None)),
    ("1/2/1972", (date(1972, 2, 1), None)),
    ("1972-09-18", (date(1972, 9, 18), None)),
    (" 18/09/2026 8:30 ", (date(2026, 9, 18), (8, 30, 0))),
    ("18/9/72", None),
    ("31/02/1972", None),
    ("18/09/1972 25:00", None),
    ("09/18/1972", None),
    ("Số 5 phố Lê Lợi", None),
])
def test_dates_are_read_day_first(typed, meant):
    """Is a date typed as Vietnamese write it read day first, and a two-digit year, an impossible day or text refused?"""
    assert parse_local(typed) == meant


def test_the_edit_form_shows_dates_as_the_list_does(app, client, make, tree):
    """Does the member form show the birth date as 18/09/1972, like the list, with the day-first picker?"""
    member = make.member(tree["B1"], "Đỗ Thị Ngày Sinh", date_of_birth=date(1972, 9, 18))
    AuthActions(client).login(tree["secretary"])
    html = client.get(f"/admin/member/edit/?id={member.id}").get_data(as_text=True)
    field = re.search(r'<input[^>]*id="date_of_birth"[^>]*>', html).group(0)
    assert 'value="18/09/1972"' in field and 'data-date-format="DD/MM/YYYY"' in field
    assert "1972-09-18" not in html
    listing = client.get("/admin/member/?search=do+thi+ngay+sinh").get_data(as_text=True)
    assert "18/09/1972" in listing


def test_a_date_typed_day_first_is_saved_as_that_day(app, client, make, tree, dbq):
    """When a secretary types 18/09/1972 as a birth date, is 18 September 1972 stored?"""
    member = make.member(tree["B1"], "Phan Văn Gõ Ngày")
    AuthActions(client).login(tree["secretary"])
    response = save(client, "member", member.id, open_edit(client, "member", member.id), date_of_birth="18/09/1972")
    assert response.status_code == 302
    assert dbq(lambda s: s.get(Member, member.id)).date_of_birth == date(1972, 9, 18)


@pytest.mark.parametrize("typed", ["31/02/1972", "18/9/72", "Số 5 phố Lê Lợi"])
def test_a_wrong_date_is_refused_in_vietnamese(app, client, make, tree, dbq, typed):
    """Is an impossible date, a two-digit year or an address typed as a birth date refused with a
    Vietnamese message naming the format, the record unchanged and what was typed shown back?"""
    member = make.member(tree["B1"], "Lý Văn Sai Ngày", date_of_birth=date(1980, 1, 2))
    AuthActions(client).login(tree["secretary"])
    response = save(client, "member", member.id, open_edit(client, "member", member.id), date_of_birth=typed)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert DATE_MESSAGE in html and "Not a valid" not in html
    assert f'value="{typed}"' in html
    assert dbq(lambda s: s.get(Member, member.id)).date_of_birth == date(1980, 1, 2)


def test_a_publication_time_is_shown_and_typed_in_vietnam_time(app, client, tree, dbq, upload_folder):
    """Is an article's publication time shown and typed as dd/mm/yyyy HH:MM in Vietnam's time,
    stored in UTC, and a wrong time refused in Vietnamese?"""
    from handbook.content.models import Article

    article = make_article(app, tree["C1"], "Tin hẹn giờ theo giờ Việt Nam", published_at=datetime(2026, 3, 1, 1, 30))
    AuthActions(client).login(tree["committee"])
    form = open_edit(client, "article", article.id)
    assert form["published_at"] == "01/03/2026 08:30"
    response = save(client, "article", article.id, form, published_at="02/03/2026 07:15")
    assert response.status_code == 302
    assert dbq(lambda s: s.get(Article, article.id)).published_at == datetime(2026, 3, 2, 0, 15)
    refused = save(client, "article", article.id, open_edit(client, "article", article.id), published_at="32/03/2026 07:15")
    assert refused.status_code == 200 and DATETIME_MESSAGE in refused.get_data(as_text=True)


# -- an organization's place in the tree -----------------------------------------------------------

def _details(client, org) -> str:
    response = client.get(f"/admin/organization/details/?id={org.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _row(html: str, label: str) -> str:
    """The value cell of the details row labelled ``label``."""
    match = re.search(rf"<b>{re.escape(label)}</b>\s*</td>\s*<td>(.*?)</td>", html, re.S)
    assert match, label
    return match.group(1)


def test_organization_details_show_the_chain_the_children_and_the_members(app, client, tree, dbq):
    """Does a committee user see, for grassroots G1, the chain of parents instead of the internal path
    (their own committee linked, the province above their root only named), the branches below as
    links, and how many members the whole subtree has?"""
    AuthActions(client).login(tree["committee"])
    html = _details(client, tree["G1"])
    assert tree["G1"].path not in html and "Đường dẫn" not in html
    chain = _row(html, "Trực thuộc (từ cấp trên cùng)")
    assert _text(chain).strip() == f"{tree['P'].name} › {tree['C1'].name}"
    assert f"details/?id={tree['C1'].id}" in chain and f"details/?id={tree['P'].id}" not in chain
    below = _row(html, "Tổ chức trực thuộc")
    for branch in ("B1", "B2"):
        assert f'details/?id={tree[branch].id}">{tree[branch].name}</a>' in below
    assert tree["B3"].name not in below
    expected = dbq(lambda s: s.execute(select(func.count()).select_from(Member).join(Organization).where(
        Organization.path.startswith(tree["G1"].path))).scalar())
    count = re.search(r'data-testid="member-count">(\d+)<', _row(html, "Số đảng viên (cả các tổ chức trực thuộc)"))
    assert int(count.group(1)) == expected >= 4


def test_the_admin_sees_every_parent_linked(app, client, tree):
    """Does the admin, whose scope is the whole province, get a link for every parent of a branch?"""
    AuthActions(client).login(tree["admin"])
    chain = _row(_details(client, tree["B1"]), "Trực thuộc (từ cấp trên cùng)")
    for parent in ("P", "C1", "G1"):
        assert f'details/?id={tree[parent].id}">{tree[parent].name}</a>' in chain
    assert "Không có" in _row(_details(client, tree["B1"]), "Tổ chức trực thuộc")


def test_the_member_count_is_one_query(app, tree):
    """Does the member count of a subtree take one query however many organizations it holds?"""
    from handbook.extensions import db
    from handbook.organizations.queries import subtree_members_by_status
    from handbook.scope import Scope

    with app.app_context():
        with count_queries(db.engine) as seen:
            counts = subtree_members_by_status(db.session, tree["C1"], Scope(role="committee", org_path=tree["C1"].path))
    assert seen.count == 1, str(seen)
    assert sum(counts.values()) >= 4


# -- a branch secretary's lists --------------------------------------------------------------------

def _headers(html: str) -> list[str]:
    return [_text(h).strip() for h in re.findall(r'<th class="column-header[^"]*">(.*?)</th>', html, re.S)]


def _filter_names(html: str) -> list[str]:
    match = re.search(r'<div id="filter-groups-data" class="d-none">(.*?)</div>', html, re.S)
    return list(json.loads(match.group(1))) if match else []


def test_a_secretary_member_list_does_not_repeat_their_branch(app, client, tree):
    """Does a branch secretary's member list leave out the branch column and its filters, while a
    committee user's list keeps them?"""
    AuthActions(client).login(tree["secretary"])
    html = client.get("/admin/member/").get_data(as_text=True)
    assert "Chi bộ" not in _headers(html) and "Họ và tên" in _headers(html)
    table = re.search(r'<table class="[^"]*model-list.*?</table>', html, re.S).group(0)
    assert "Nguyễn Văn B1 Một" in table and tree["B1"].name not in table
    assert not {"Chi bộ", "Mã chi bộ"} & set(_filter_names(html)) and "Tình trạng" in _filter_names(html)
    html = logged_in_client(app, tree["committee"]).get("/admin/member/").get_data(as_text=True)
    assert "Chi bộ" in _headers(html) and {"Chi bộ", "Mã chi bộ"} <= set(_filter_names(html))


def test_a_secretary_sorts_by_the_column_they_click(app, client, tree):
    """With the branch column left out, does clicking "Tình trạng" still sort by status (the sort
    link's number counts the columns the secretary sees)?"""
    AuthActions(client).login(tree["secretary"])
    html = client.get("/admin/member/").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" title="[^"]*">\s*Tình trạng\s*</a>', html).group(1).replace("&amp;", "&")
    sorted_page = client.get(link).get_data(as_text=True)
    header = re.search(r'<th class="column-header col-status">(.*?)</th>', sorted_page, re.S).group(1)
    assert "fa-chevron" in header


# -- one heading, the site icon --------------------------------------------------------------------

def test_reading_statistics_have_one_heading(app, client, tree):
    """Does "Thống kê đọc" carry its name once, not two headings one above the other?"""
    AuthActions(client).login(tree["committee"])
    html = client.get("/admin/reads/").get_data(as_text=True)
    headings = [_text(h).strip() for h in re.findall(r"<h[1-4][^>]*>(.*?)</h[1-4]>", html, re.S)]
    assert [h for h in headings if "Thống kê đọc" in h] == ["Thống kê đọc"]
    assert "Theo tổ chức" in headings


def test_favicon_is_served_with_a_long_cache(client):
    """Does /favicon.ico answer with the app's icon, kept by the browser for a long time?"""
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype.startswith("image/")
    assert response.data.startswith(b"\x89PNG")
    max_age = int(re.search(r"max-age=(\d+)", response.headers["Cache-Control"]).group(1))
    assert max_age >= 7 * 24 * 3600


# -- date filters ----------------------------------------------------------------------------------

def _filter_arg(app, endpoint: str, label: str, operation: type) -> str:
    """The URL argument of a list's filter on ``label`` of the given Flask-Admin filter class."""
    view = next(v for v in app.extensions["handbook_admin"]._views if getattr(v, "endpoint", None) == endpoint)
    index = next(i for i, f in enumerate(view._filters) if str(f.name) == label and isinstance(f, operation))
    return f"flt0_{view.get_filter_arg(index, view._filters[index])}"


def test_list_filters_take_dates_day_first(app, client, make, tree):
    """Does the members' birth-date filter take 18/09/1972 and a range "01/01/1972 đến 31/12/1972" as
    the forms do (ISO still works), and refuse 31/02/1972 with a message instead of failing?"""
    from flask_admin.contrib.sqla.filters import DateBetweenFilter, DateEqualFilter

    make.member(tree["B1"], "Hà Văn Lọc Ngày", date_of_birth=date(1972, 9, 18))
    AuthActions(client).login(tree["secretary"])
    equal = _filter_arg(app, "member", "Ngày sinh", DateEqualFilter)
    between = _filter_arg(app, "member", "Ngày sinh", DateBetweenFilter)
    for query in ({equal: "18/09/1972"}, {equal: "1972-09-18"}, {between: "01/01/1972 đến 31/12/1972"}):
        html = client.get("/admin/member/", query_string=query).get_data(as_text=True)
        assert "Hà Văn Lọc Ngày" in html and "Nguyễn Văn B1 Một" not in html, query
    refused = client.get("/admin/member/", query_string={equal: "31/02/1972"})
    assert refused.status_code == 200 and "Nguyễn Văn B1 Một" in refused.get_data(as_text=True)


def test_a_time_filter_is_read_in_vietnam_time(app, client, tree, upload_folder):
    """Is a news list filtered "after 01/03/2026 08:00" read as 8 o'clock in Vietnam (01:00 UTC)?"""
    from flask_admin.contrib.sqla.filters import DateTimeGreaterFilter

    make_article(app, tree["C1"], "Tin lúc 7 giờ 30 sáng", published_at=datetime(2026, 3, 1, 0, 30))
    make_article(app, tree["C1"], "Tin lúc 8 giờ 30 sáng", published_at=datetime(2026, 3, 1, 1, 30))
    AuthActions(client).login(tree["committee"])
    after = _filter_arg(app, "article", "Thời điểm xuất bản", DateTimeGreaterFilter)
    html = client.get("/admin/article/", query_string={after: "01/03/2026 08:00", "search": "Tin lúc"}).get_data(as_text=True)
    assert "Tin lúc 8 giờ 30 sáng" in html and "Tin lúc 7 giờ 30 sáng" not in html
