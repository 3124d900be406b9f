"""The Thái Bình seeder at small scale, in databases of its own (the session test database keeps the `tree`)."""
import os
import tempfile
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import create_engine, func, make_url, select, text

from handbook import create_app
from handbook.auth.models import User
from handbook.config import TestConfig
from handbook.extensions import db
from handbook.organizations.models import Member, MemberChange, Organization, OrganizationMove, path_segment
from handbook.seed.thaibinh import FULL, apportion, plan_for, seed_thaibinh
from handbook.seed.vocabulary import add_years

MEMBERS = 2000
SEED = 7


@contextmanager
def separate_database(name: str):
    """An app on its own migrated database: a SQLite file, or a PostgreSQL database next to the test one."""
    from flask_migrate import upgrade

    url = os.environ.get("TEST_DATABASE_URL")
    server = database = None
    if url and url.startswith("postgresql"):
        base = make_url(url)
        database = f"{base.database}_seed_{name}_{os.getpid()}"
        server = create_engine(base, isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}"'))
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        app_url = base.set(database=database).render_as_string(hide_password=False)
    else:
        app_url = f"sqlite:///{os.path.join(tempfile.mkdtemp(prefix='handbook-seed-'), 'seed.sqlite')}"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=app_url, UPLOAD_FOLDER=tempfile.mkdtemp(prefix="handbook-seed-files-"),
                     REPORTS_FOLDER=tempfile.mkdtemp(prefix="handbook-seed-reports-"))
    try:
        with app.app_context():
            upgrade()
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if server is not None:
            with server.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}"'))
            server.dispose()


@pytest.fixture(scope="module")
def seeded():
    """A database seeded through the real command: `seed thaibinh --members 2000 --seed 7`."""
    with separate_database("a") as seeded_app:
        result = seeded_app.test_cli_runner().invoke(
            args=["seed", "thaibinh", "--members", str(MEMBERS), "--seed", str(SEED), "--password", "bi-mat-123"]
        )
        assert result.exit_code == 0, result.output
        seeded_app.seed_output = result.output
        yield seeded_app


def look(app, fn):
    """Run ``fn(session)`` in a short app context of ``app``."""
    with app.app_context():
        return fn(db.session)


def test_full_plan_has_the_province_counts():
    """Does the full data set have exactly 1 + 13 + 700 + 4,300 organizations and 108,600 members?"""
    assert plan_for() == FULL
    assert (FULL.committees, FULL.grassroots, FULL.branches, FULL.members) == (13, 700, 4300, 108_600)
    assert FULL.organizations == 5014


def test_apportion_is_exact_and_respects_the_minimum():
    """Do shares add up to the total with each at least its minimum?"""
    shares = apportion(108_600, [0.3, 5.0, 1.0, 0.01] * 1075, minimum=1)
    assert sum(shares) == 108_600 and min(shares) >= 1


def test_seeded_counts_are_exact(seeded):
    """Does the seeded database hold exactly the planned organizations of each kind and members?"""
    plan = plan_for(MEMBERS)
    counts = look(seeded, lambda s: dict(s.execute(select(Organization.kind, func.count()).group_by(Organization.kind)).all()))
    assert counts == {"province": 1, "committee": 13, "grassroots": plan.grassroots, "branch": plan.branches}
    assert look(seeded, lambda s: s.execute(select(func.count()).select_from(Member)).scalar()) == MEMBERS
    assert "member: 2,000" in seeded.seed_output


def test_tree_paths_and_codes_are_consistent(seeded):
    """Is every path its parent's path plus its own id, and does every member belong to a branch?"""
    def check(s):
        orgs = {o.id: o for o in s.execute(select(Organization)).scalars()}
        for org in orgs.values():
            parent = orgs.get(org.parent_id)
            assert org.path == (parent.path if parent else "/") + path_segment(org.id)
            assert org.depth == (parent.depth + 1 if parent else 0)
            assert parent is None or org.code.startswith(parent.code + "-")
        kinds = s.execute(
            select(Organization.kind).join(Member, Member.organization_id == Organization.id).distinct()
        ).scalars().all()
        assert kinds == ["branch"]

    look(seeded, check)


def test_one_secretary_per_branch_with_an_account(seeded):
    """Has every branch exactly one secretary, each with a secretary account scoped to the branch?"""
    def check(s):
        branches = set(s.execute(select(Organization.id).where(Organization.kind == "branch")).scalars())
        per_branch = dict(s.execute(
            select(Member.organization_id, func.count()).where(Member.position == "secretary").group_by(Member.organization_id)
        ).all())
        assert set(per_branch) == branches and set(per_branch.values()) == {1}
        accounts = s.execute(
            select(User.organization_id, Member.organization_id, Member.position)
            .join(Member, User.member_id == Member.id).where(User.role == "secretary")
        ).all()
        assert len(accounts) == len(branches)
        assert all(account_org == member_org and position == "secretary" for account_org, member_org, position in accounts)

    look(seeded, check)


def test_every_committee_office_and_the_admin_have_accounts(seeded):
    """Has every committee and grassroots organization an office account, and is there an admin?"""
    def check(s):
        offices = set(s.execute(select(Organization.id).where(Organization.kind.in_(["committee", "grassroots"]))).scalars())
        scoped = set(s.execute(select(User.organization_id).where(User.role == "committee")).scalars())
        assert scoped == offices
        assert s.execute(select(func.count()).select_from(User).where(User.role == "admin")).scalar() == 1

    look(seeded, check)


def test_dates_are_consistent(seeded):
    """Is everyone admitted at 18 or older, made official a year after admission, probationary only if not yet?"""
    def check(s):
        rows = s.execute(select(Member.date_of_birth, Member.admitted_on, Member.official_on, Member.status, Member.position)).all()
        for birth, admitted, official, status, position in rows:
            assert admitted >= add_years(birth, 18)
            assert admitted <= date.today()
            if official is None:
                assert status == "probationary" and position != "secretary"
            else:
                assert official >= add_years(admitted, 1) and official <= date.today()
                assert status != "probationary"

    look(seeded, check)


def test_family_names_follow_vietnams_proportions(seeded):
    """Are about 38% of the members called Nguyễn, and is Trần the next most common family name?"""
    names = look(seeded, lambda s: s.execute(select(Member.full_name)).scalars().all())
    families = [n.split()[0] for n in names]
    share = families.count("Nguyễn") / len(families)
    assert 0.33 <= share <= 0.43, share
    ranked = sorted(set(families), key=families.count, reverse=True)
    assert ranked[:2] == ["Nguyễn", "Trần"]
    assert len({n.split()[1] for n in names}) > 15  # middle names of both genders


def test_seeded_accounts_log_in_with_the_seed_password(seeded):
    """Can a seeded secretary log in with the seed password, which is never printed per account?"""
    from support import csrf_token

    login = look(seeded, lambda s: s.execute(select(User.login).where(User.role == "secretary")).scalars().first())
    client = seeded.test_client()
    response = client.post("/login", data={"login": login, "password": "bi-mat-123", "csrf_token": csrf_token(client)})
    assert response.status_code == 302 and response.location.endswith("/admin/")
    assert "bi-mat-123" not in seeded.seed_output


def test_a_year_of_moves_is_recorded_consistently(seeded):
    """Are the recorded moves in the past year, ending where each branch now is?"""
    def check(s):
        moves = s.execute(select(OrganizationMove, Organization).join(Organization, OrganizationMove.organization_id == Organization.id)).all()
        assert moves
        for move, org in moves:
            assert move.to_parent_id == org.parent_id and move.to_path == org.path
            assert move.from_parent_id != move.to_parent_id
            assert (date.today() - move.moved_at.date()).days <= 366

    look(seeded, check)


def test_a_year_of_member_changes_is_recorded_consistently(seeded):
    """Are about 1% of the members recorded moving to another branch of their grassroots organization or
    committee and a few changing status, in the past year, each now where and as what their latest change says?"""
    def check(s):
        members = {m.id: m for m in s.execute(select(Member)).scalars()}
        orgs = {o.id: o for o in s.execute(select(Organization)).scalars()}
        changes = s.execute(select(MemberChange).order_by(MemberChange.changed_at, MemberChange.id)).scalars().all()
        moves = [c for c in changes if c.to_organization_id is not None]
        restated = [c for c in changes if c.to_status is not None]
        assert 0.005 * MEMBERS <= len(moves) <= 0.015 * MEMBERS
        assert restated
        latest_move = {c.member_id: c for c in moves}
        for member_id, move in latest_move.items():
            assert members[member_id].organization_id == move.to_organization_id
            old, new = orgs[move.from_organization_id], orgs[move.to_organization_id]
            assert old.id != new.id and old.kind == new.kind == "branch"
            assert old.parent_id == new.parent_id or orgs[old.parent_id].parent_id == orgs[new.parent_id].parent_id
        latest_status = {c.member_id: c for c in restated}
        for member_id, change in latest_status.items():
            assert members[member_id].status == change.to_status
            assert (change.from_status, change.to_status) in {
                ("official", "transferred"), ("official", "deceased"), ("probationary", "official")}
        for change in changes:
            assert 0 <= (date.today() - change.changed_at.date()).days <= 366

    look(seeded, check)


def test_twelve_months_of_statistics_are_stored(seeded):
    """Does the seeded province come with the last twelve months computed for every organization, so the
    dashboard has a trend, and last month's files of the province?"""
    from handbook.reports.models import GeneratedReport, MonthlyStatistics

    def check(s):
        per_month = dict(s.execute(select(MonthlyStatistics.month, func.count()).group_by(MonthlyStatistics.month)).all())
        organizations = s.execute(select(func.count()).select_from(Organization)).scalar()
        assert len(per_month) == 12 and set(per_month.values()) == {organizations}
        assert s.execute(select(func.count()).select_from(GeneratedReport)).scalar() == 1

    look(seeded, check)


def test_new_rows_get_fresh_ids_after_seeding(seeded):
    """Can a member be added after seeding (sequences moved past the seeded ids on PostgreSQL)?"""
    def add(s):
        branch = s.execute(select(Organization).where(Organization.kind == "branch")).scalars().first()
        member = Member(full_name="Lê Thị Mới", card_number="99999999", organization=branch)
        s.add(member)
        s.commit()
        new_id = member.id
        s.delete(member)
        s.commit()
        return new_id

    assert look(seeded, add) == MEMBERS + 1


def test_seeding_is_deterministic(seeded):
    """Does the same --seed give the same members, and another seed different ones?"""
    def members(s):
        return s.execute(
            select(Member.full_name, Member.date_of_birth, Member.card_number, Member.position, Organization.code)
            .join(Organization).where(Member.id <= 500).order_by(Member.id)
        ).all()

    first = look(seeded, members)
    with separate_database("b") as again:
        look(again, lambda s: seed_thaibinh(s, seed=SEED, members=MEMBERS))
        assert look(again, members) == first
    with separate_database("c") as other:
        look(other, lambda s: seed_thaibinh(s, seed=SEED + 1, members=MEMBERS))
        assert look(other, members) != first


def test_seeding_refuses_a_database_with_data(seeded):
    """Does the seeder refuse to add a second province to a database that has one?"""
    result = seeded.test_cli_runner().invoke(args=["seed", "thaibinh", "--members", "100"])
    assert result.exit_code != 0 and "already has data" in result.output


def test_every_table_gets_a_year_of_activity(seeded):
    """Does every table of the schema get rows, the audit trail spread over the year?"""
    with seeded.app_context():
        empty = [t.name for t in db.metadata.sorted_tables
                 if not db.session.execute(select(func.count()).select_from(t)).scalar()]
        assert empty == []
        from handbook.audit.models import AuditEntry

        first, last = db.session.execute(select(func.min(AuditEntry.at), func.max(AuditEntry.at))).one()
        assert (last - first).days > 300
        actions = set(db.session.execute(select(AuditEntry.action).distinct()).scalars())
        assert {"login", "login_failed", "view", "export"} <= actions


def test_breach_questions_are_answered_on_seeded_data(seeded):
    """On the seeded year, does "who saw member X" name the committee that exported their subtree?"""
    from handbook.audit.queries import who_saw_member

    with seeded.app_context():
        member = db.session.execute(select(Member).order_by(Member.id).limit(1)).scalar_one()
        seen = who_saw_member(db.session, member.id)
        assert any(row.action == "export" for row in seen)


def test_seeded_documents_come_with_real_pdf_files_and_the_point_rules(seeded):
    """Do about a quarter of the documents have a PDF on disk whose text (read back by pypdf) is the
    stored text, with the document's number in it; and are the daily caps there as rules?"""
    import io

    from pypdf import PdfReader

    from handbook.content.models import Attachment, Document
    from handbook.content.uploads import stored_path
    from handbook.study.models import PointRule
    from handbook.study.operations import DEFAULT_DAILY_CAPS

    with seeded.app_context():
        documents = db.session.execute(select(func.count()).select_from(Document)).scalar_one()
        files = db.session.execute(select(Attachment).order_by(Attachment.id)).scalars().all()
        assert 0.15 * documents < len(files) < 0.35 * documents
        sample = files[len(files) // 2]
        with open(stored_path(sample.stored_name), "rb") as f:
            data = f.read()
        assert data.startswith(b"%PDF-") and len(data) == sample.size
        extracted = " ".join(PdfReader(io.BytesIO(data)).pages[0].extract_text().split())
        assert sample.document.number in extracted and sample.document.number in sample.text_content
        assert sample.text_state == "done"
        assert sample.original_name == sample.document.number.replace("/", "-") + ".pdf"
        rules = dict(db.session.execute(select(PointRule.source, PointRule.daily_cap)).all())
        assert rules == DEFAULT_DAILY_CAPS


def test_seeded_news_and_documents_name_organizations_as_spelt(seeded):
    """Does every seeded article name its publisher as the tree spells it ("Đảng bộ tỉnh Thái Bình", never
    "đảng bộ tỉnh thái bình"), without opening on its own summary, and no document repeat its summary?"""
    from content_support import reading_faults

    with seeded.app_context():
        assert reading_faults(db.session) == []
