"""Do pages run as many queries for 65 rows as for 5 (no query per row)? First, the rolled-back
database these tests stand on: does it keep nothing a test wrote, and do requests still see their
own commits?"""
from sqlalchemy import func, select

from handbook.extensions import db
from handbook.organizations.models import Member
from support import logged_in_client

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
