"""Accent-free, case-free search of Vietnamese names, its index, and Vietnamese sort order."""
import re
import unicodedata
from html import unescape

import pytest
from sqlalchemy import event, text

from handbook.extensions import db
from handbook.text import search_key, vi_sort_key

_NAME_CELL = re.compile(r'<td class="col-full_name">\s*(.*?)\s*</td>', re.S)


def listed_names(response) -> list[str]:
    """The names in the member list, in the order shown."""
    assert response.status_code == 200
    return [unescape(n) for n in _NAME_CELL.findall(response.get_data(as_text=True))]


@pytest.fixture(scope="module")
def names(make, tree):
    """A branch under G1 (committee C1) with accented names and its own secretary."""
    branch = make.org(tree["G1"], "branch", "Chi bộ Tìm kiếm")
    people = {n: make.member(branch, n) for n in (
        "Nguyễn Văn Đức", "Đặng Thị Hường", "Trần Thị Vân", "Lê Minh Tuấn", "Phạm Văn Ba_Mươi",
    )}
    secretary = make.user("secretary", branch, people["Lê Minh Tuấn"])
    return {"branch": branch, "people": people, "secretary": secretary}


@pytest.mark.parametrize("text_in, key", [
    ("Nguyễn Văn Đức", "nguyen van duc"),
    ("ĐẶNG THỊ HƯỜNG", "dang thi huong"),
    (unicodedata.normalize("NFD", "Hường"), "huong"),
    ("  Trần   Thị  Vân ", "tran thi van"),
])
def test_search_key_drops_accents_case_and_d_stroke(text_in, key):
    """Does the search key fold accents, case and đ → d, whatever the Unicode form?"""
    assert search_key(text_in) == key


@pytest.mark.parametrize("term", ["nguyen van", "NGUYEN VAN", "nguyễn văn đức", "NGUYỄN VĂN", "van duc"])
def test_admin_search_finds_names_without_accents_or_case(client, auth, tree, names, term):
    """Does "nguyen van" (in any case, with or without accents) find "Nguyễn Văn Đức" in the admin list?"""
    auth.login(tree["committee"])
    shown = listed_names(client.get("/admin/member/", query_string={"search": term}))
    assert "Nguyễn Văn Đức" in shown
    assert "Đặng Thị Hường" not in shown


@pytest.mark.parametrize("term", ["huong", "HƯỜNG", "dang", "đặng", unicodedata.normalize("NFD", "Hường")])
def test_admin_search_handles_d_stroke_and_uppercase_vietnamese(client, auth, tree, names, term):
    """Do "dang", "HƯỜNG" and decomposed input find "Đặng Thị Hường"?"""
    auth.login(tree["committee"])
    assert "Đặng Thị Hường" in listed_names(client.get("/admin/member/", query_string={"search": term}))


def test_admin_search_stays_in_scope(client, auth, tree, names):
    """Does a committee's search leave out same-named members of another committee?"""
    auth.login(tree["committee"])
    shown = listed_names(client.get("/admin/member/", query_string={"search": "nguyen van"}))
    assert "Nguyễn Văn B1 Một" in shown
    assert "Nguyễn Văn B3 Một" not in shown


def test_admin_search_wildcards_are_literal(client, auth, tree, names):
    """Are % and _ searched as characters, not as LIKE wildcards?"""
    auth.login(tree["committee"])
    assert listed_names(client.get("/admin/member/", query_string={"search": "%"})) == []
    assert listed_names(client.get("/admin/member/", query_string={"search": "a_m"})) == ["Phạm Văn Ba_Mươi"]


def test_admin_search_by_card_number(client, auth, tree, names):
    """Can a member still be found by party card number?"""
    member = names["people"]["Trần Thị Vân"]
    auth.login(tree["committee"])
    assert listed_names(client.get("/admin/member/", query_string={"search": member.card_number})) == ["Trần Thị Vân"]


def test_name_search_uses_only_the_search_key(app, client, auth, tree, names):
    """Does a name search compare only the indexed search key (no ILIKE on other columns that defeats the index)?"""
    statements = []
    with app.app_context():
        engine = db.engine

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    auth.login(tree["committee"])
    event.listen(engine, "before_cursor_execute", record)
    try:
        client.get("/admin/member/", query_string={"search": "nguyen van"})
    finally:
        event.remove(engine, "before_cursor_execute", record)
    count = next(s for s in statements if "count(" in s.lower() and "member" in s)
    where = count.split("WHERE", 1)[1]
    assert where.count("search_key LIKE") == 2
    assert "full_name" not in where and "card_number" not in where and "phone" not in where


def test_search_key_is_indexed(dbq):
    """Is a contains-search on the search key served by an index (pg_trgm on PostgreSQL, b-tree key on SQLite)?"""
    def plan(session):
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SET LOCAL enable_seqscan = off"))
            rows = session.execute(text("EXPLAIN SELECT id FROM member WHERE search_key LIKE '%nguyen%'")).scalars().all()
            session.rollback()
            return "\n".join(rows)
        return " ".join(r[1] for r in session.execute(text("PRAGMA index_list('member')")).all())

    dialect = dbq(lambda s: s.get_bind().dialect.name)
    assert ("ix_member_search_key_trgm" if dialect == "postgresql" else "ix_member_search_key") in dbq(plan)


def test_vietnamese_sort_key_order():
    """Does the sort key put names in Vietnamese order: given name first, ă/â after a, đ after d, tones last?"""
    ordered = ["Lê Thị Anh", "Nguyễn Thị Anh", "Trần Thị Ánh", "Hoàng Văn Ân", "Lê Văn Dũng", "Phạm Thị Đào",
               "Bùi Thị Uyên", "Đỗ Văn Ưng", "Vũ Thị Yến"]
    assert sorted(reversed(ordered), key=vi_sort_key) == ordered


def test_admin_list_sorts_names_the_vietnamese_way(client, auth, make, tree):
    """Does the admin list put "Ánh" after "Anh" and "Đào" after "Dũng", on SQLite and PostgreSQL alike?"""
    ordered = ["Lê Thị Anh", "Nguyễn Thị Anh", "Trần Thị Ánh", "Hoàng Văn Ân", "Lê Văn Dũng", "Phạm Thị Đào",
               "Bùi Thị Uyên", "Đỗ Văn Ưng", "Vũ Thị Yến"]
    branch = make.org(tree["G1"], "branch", "Chi bộ Thứ tự")
    members = [make.member(branch, n) for n in reversed(ordered)]
    secretary = make.user("secretary", branch, members[0])
    auth.login(secretary)
    assert listed_names(client.get("/admin/member/")) == ordered


def test_paging_through_namesakes_shows_each_once_and_exports_them_in_list_order(client, auth, make, tree):
    """With 30 members all named "Nguyễn Văn An" in one branch, do pages 1 and 2 show each exactly once,
    in the same order as the CSV export?"""
    branch = make.org(tree["G1"], "branch", "Chi bộ Trùng tên")
    members = [make.member(branch, "Nguyễn Văn An") for _ in range(30)]
    auth.login(make.user("secretary", branch))
    shown = []
    for page in (0, 1):
        html = client.get(f"/admin/member/?sort=0&search=an&page={page}").get_data(as_text=True)
        shown += [int(i) for i in re.findall(r'name="rowid" class="action-checkbox" value="(\d+)"', html)]
    assert shown == sorted(m.id for m in members)  # ties in record order: nothing repeated, nothing skipped
    card_of = {m.id: m.card_number for m in members}
    export = client.get("/admin/member/export/csv/?sort=0&search=an").get_data(as_text=True).splitlines()[1:]
    assert [line.split(",")[1] for line in export] == [card_of[i] for i in shown]
