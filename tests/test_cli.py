"""Operator commands, run on a fresh database of their own."""
import os
import tempfile

import pytest
from flask_migrate import upgrade

from handbook import create_app
from handbook.config import TestConfig
from handbook.extensions import db


@pytest.fixture(scope="module")
def fresh():
    """An app on an empty, migrated SQLite database, and its CLI runner."""
    path = os.path.join(tempfile.mkdtemp(), "cli.sqlite")
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with app.app_context():
        upgrade()
    return app, app.test_cli_runner()


def test_seed_demo_prints_one_login_per_role(fresh):
    """Does `seed demo` build the small tree and print a login for each role?"""
    app, runner = fresh
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    for role in ("admin", "committee", "secretary", "member"):
        assert f"\n  {role}\t" in result.output
    lines = runner.invoke(args=["orgs", "list"]).output.strip().splitlines()
    assert 20 <= len(lines) <= 30
    members = sum(int(line.split("\t")[4]) for line in lines)
    assert members == 300
    again = runner.invoke(args=["seed", "demo", "--if-empty"])
    assert again.exit_code == 0 and "skipped" in again.output
    assert "\n  secretary\t" in again.output


def test_orgs_list_is_tab_separated_in_tree_order(fresh):
    """Does `orgs list` print code, kind, parent code, name, direct member count, parents first?"""
    _, runner = fresh
    rows = [line.split("\t") for line in runner.invoke(args=["orgs", "list"]).output.strip().splitlines()]
    assert rows[0][:3] == ["TB", "province", ""]
    assert rows[0][3] == "Đảng bộ tỉnh Thái Bình"
    seen = set()
    for code, kind, parent, _name, count in rows:
        assert parent == "" or parent in seen
        seen.add(code)
        assert count.isdigit() and (kind in ("branch", "grassroots") or count == "0")


def test_users_create_checks_its_arguments(fresh):
    """Does `users create` make an account that can log in, and refuse bad arguments clearly?"""
    app, runner = fresh
    ok = runner.invoke(args=["users", "create", "--login", "Bithu@Example.VN", "--password", "matkhau-123",
                             "--role", "secretary", "--org", "tb-01-001-01"])
    assert ok.exit_code == 0, ok.output
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        r = client.post("/login", data={"login": "bithu@example.vn", "password": "matkhau-123"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert r.status_code == 302 and r.location == "/admin/"
    for args, message in [
        (["--login", "bithu@example.vn", "--password", "matkhau-123", "--role", "member"], "already exists"),
        (["--login", "abc", "--password", "matkhau-123", "--role", "admin"], "email address or a phone"),
        (["--login", "x@y.vn", "--password", "short", "--role", "admin"], "at least 8"),
        (["--login", "x@y.vn", "--password", "matkhau-123", "--role", "committee"], "needs --org"),
        (["--login", "x@y.vn", "--password", "matkhau-123", "--role", "member", "--org", "TB"], "needs --member"),
        (["--login", "x@y.vn", "--password", "matkhau-123", "--role", "secretary", "--org", "NOPE"], "No organization"),
    ]:
        result = runner.invoke(args=["users", "create", *args])
        assert result.exit_code != 0 and message in result.output, (args, result.output)


def test_orgs_move_records_the_move(fresh):
    """Does `orgs move` put a grassroots organization under another committee and record it?"""
    app, runner = fresh
    result = runner.invoke(args=["orgs", "move", "TB-01-002", "TB-02"])
    assert result.exit_code == 0, result.output
    rows = {r.split("\t")[0]: r.split("\t") for r in runner.invoke(args=["orgs", "list"]).output.splitlines()}
    assert rows["TB-01-002"][2] == "TB-02"
    from handbook.organizations.models import OrganizationMove

    with app.app_context():
        assert db.session.query(OrganizationMove).count() == 1
    bad = runner.invoke(args=["orgs", "move", "TB-02", "TB-01-002"])
    assert bad.exit_code != 0 and "chính nó" in bad.output
