"""Do pages run as many queries for 65 rows as for 5 (no query per row)? First, the rolled-back
database these tests stand on: does it keep nothing a test wrote, and do requests still see their
own commits?"""
import itertools

from sqlalchemy import func, select

from content_support import attach, make_article, make_document, pdf_bytes
from handbook.extensions import db
from handbook.organizations.models import Member, utcnow
from support import count_queries, logged_in_client

# What the first test of the rolled-back database wrote, for the next one to look for.
_written = {}


def _row_counts(session) -> dict[str, int]:
    """The number of rows of every table."""
    return {t.name: session.execute(select(func.count()).select_from(t)).scalar_one() for t in db.metadata.sorted_tables}


def test_rolled_back_test_sees_its_own_commits(app, rollback_db, make, dbq):
    """Within a rolled-back test, do requests see what the test made, and do their commits show to
    the next request and to the test?"""
    _written["rows"] = dbq(_row_counts)
    branch = make.org(make.org(kind="grassroots"), "branch", "Chi bộ Thử Quay Lui")
    member = make.member(branch, "Lê Văn Quay Lui")
    user = make.user("member", branch, member)
    _written.update(card=member.card_number, login=user.login)

    client = logged_in_client(app, user)  # the login commits a session row, limit counters, an audit entry
    assert "Lê Văn Quay Lui" in client.get("/").get_data(as_text=True)
    assert client.get("/me/sessions").status_code == 200  # authenticated: the login's session row is seen
    written = dbq(_row_counts)
    assert written["member"] == _written["rows"]["member"] + 1
    assert written["user_session"] == _written["rows"]["user_session"] + 1


def test_rolled_back_test_leaves_nothing(rollback_db, dbq):
    """Is everything the previous test wrote, through the factory and its requests' commits, gone?"""
    assert _written, "runs after test_rolled_back_test_sees_its_own_commits"
    assert dbq(lambda s: s.execute(select(Member).where(Member.card_number == _written["card"])).first()) is None
    assert dbq(_row_counts) == _written["rows"]



# Query counts: each page is counted once with a few rows and once with many.

_cards = itertools.count(1)


def _queries(client, connection, url):
    """The statements of one GET ``url`` and the page, after a visit that fills the per-process caches."""
    assert client.get(url).status_code == 200
    with count_queries(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return queries, response.get_data(as_text=True)


def _message(few, many) -> str:
    """The two lists of statements, for a failed comparison."""
    return f"With few rows, {few}\n\nWith many rows, {many}"


def _add_members(session, org, count) -> None:
    """``count`` members of ``org``, inserted together in one commit."""
    session.add_all(Member(full_name=f"Đảng viên Đếm {next(_cards)}", card_number=f"8{next(_cards):07d}",
                           organization_id=org.id) for _ in range(count))
    session.commit()


def _award(session, member, count) -> None:
    """``count`` manual awards of 1 point to ``member``, inserted together in one commit."""
    session.execute(db.metadata.tables["point_entry"].insert(), [
        {"member_id": member.id, "source": "manual", "reference": f"Đếm truy vấn {next(_cards)}", "points": 1,
         "created_at": utcnow()} for _ in range(count)])
    session.commit()


def test_admin_member_list_queries_do_not_grow_with_members(app, rollback_db, make, dbq):
    """Does the back office's member list run as many queries for 65 members as for 5?"""
    committee = make.org(make.org(kind="province"), "committee")
    branch = make.org(make.org(committee, "grassroots"), "branch")
    for _ in range(5):
        make.member(branch, f"Đảng viên Đếm {next(_cards)}")
    client = logged_in_client(app, make.user("committee", committee))
    url = "/admin/member/?page_size=100"

    few, page = _queries(client, rollback_db, url)
    assert page.count("Đảng viên Đếm") == 5
    dbq(lambda s: _add_members(s, branch, 60))
    many, page = _queries(client, rollback_db, url)
    assert page.count("Đảng viên Đếm") == 65
    assert many.count == few.count, _message(few, many)


def test_a_member_page_of_its_own_nothing_reads_the_account_in_one_statement(app, rollback_db, make):
    """Does every signed-in page start from one statement (the account, its login session, its member
    record and branch, its scope), so that a page with no query of its own, the help, runs just that,
    and a static file none?"""
    branch = make.org(make.org(kind="grassroots"), "branch", "Chi bộ Một Câu Lệnh")
    client = logged_in_client(app, make.user("secretary", branch, make.member(branch)))
    queries, page = _queries(client, rollback_db, "/help")
    assert "Đăng xuất" in page
    assert queries.count == 1, str(queries)
    assert all(table in queries.statements[0] for table in ("user_account", "user_session", "member", "organization"))
    with count_queries(rollback_db) as queries:
        assert client.get("/static/css/app.css").status_code == 200
    assert queries.count == 0, str(queries)  # a static file needs no account


def test_member_home_queries_do_not_grow_with_reading_or_points(app, rollback_db, make, dbq, monkeypatch):
    """Does the member home run as many queries for 60 new documents, articles and awards as for 5?"""
    monkeypatch.setitem(app.config, "TODAY_CACHE_SECONDS", 0)  # count the work, not the cache in front of it
    branch = make.org(make.org(kind="grassroots"), "branch")
    member = make.member(branch)
    client = logged_in_client(app, make.user("member", branch, member))

    def add(count):
        for _ in range(count):
            make_document(app, branch)
            make_article(app, branch)
        dbq(lambda s: _award(s, member, count))

    add(5)
    few, page = _queries(client, rollback_db, "/")
    assert "5 tài liệu mới chưa đọc" in page and ": 5/" in page
    add(55)
    many, page = _queries(client, rollback_db, "/")
    assert "60 tài liệu mới chưa đọc" in page and ": 60/" in page
    assert many.count == few.count, _message(few, many)


def _mark_read(session, member, documents, articles) -> None:
    """Read marks of ``member`` for these documents and articles, inserted together in one commit."""
    session.execute(db.metadata.tables["read_mark"].insert(), [
        {"member_id": member.id, "document_id": d.id, "article_id": None, "read_at": utcnow()} for d in documents
    ] + [{"member_id": member.id, "document_id": None, "article_id": a.id, "read_at": utcnow()} for a in articles])
    session.commit()


def test_reading_pages_queries_do_not_grow_with_documents_news_files_or_reading(app, rollback_db, make, dbq):
    """Do the library (opened and searched), the news feed (opened and searched), a document with its files
    and an article run as many queries with 60 documents, articles, read marks and 5 files as with 5 and 1,
    and no more than they need?"""
    branch = make.org(make.org(kind="grassroots"), "branch")
    member = make.member(branch)
    client = logged_in_client(app, make.user("member", branch, member))
    document = make_document(app, branch, "Nghị quyết đếm truy vấn 0")
    article = make_article(app, branch, "Tin đếm truy vấn 0")
    attach(app, document, pdf_bytes("Tep dem truy van"))
    pages = ["/documents/", "/documents/?q=dem+truy", "/news/", "/news/?q=dem+truy",
             f"/documents/{document.id}", f"/news/{article.id}"]

    def add(count):
        documents = [make_document(app, branch, f"Nghị quyết đếm truy vấn {next(_cards)}") for _ in range(count)]
        articles = [make_article(app, branch, f"Tin đếm truy vấn {next(_cards)}") for _ in range(count)]
        dbq(lambda s: _mark_read(s, member, documents, articles))

    add(4)
    few = {url: _queries(client, rollback_db, url) for url in pages}
    assert "5 tài liệu" in few["/documents/?q=dem+truy"][1]
    add(56)
    for _ in range(4):
        attach(app, document, pdf_bytes("Tep dem truy van"))
    many = {url: _queries(client, rollback_db, url) for url in pages}
    assert "61 tài liệu" in many["/documents/?q=dem+truy"][1]
    assert many["/news/"][1].count("Đã đọc") == 20 and many[f"/documents/{document.id}"][1].count(".pdf") == 5
    # Beyond loading the account: a list is one statement (page, total, read marks, years); a document or
    # an article another (with its publisher, read mark, bookmark and files) and the member's points.
    budget = dict(zip(pages, (2, 2, 2, 2, 3, 3)))
    for url in pages:
        assert many[url][0].count == few[url][0].count, f"{url}\n" + _message(few[url][0], many[url][0])
        assert few[url][0].count <= budget[url], f"{url}\n{few[url][0]}"
