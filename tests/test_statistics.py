"""The monthly statistics: figures computed by hand on a small tree, rolled up as the tree was, kept once per month."""
from datetime import date, datetime

import pytest
from sqlalchemy import select, update

from handbook.audit.models import AuditEntry
from handbook.auth.models import User
from handbook.content.models import Document, ReadMark
from handbook.extensions import db
from handbook.jobs import JobRun, run_job
from handbook.organizations.models import Member, MemberChange, Organization
from handbook.registry import Figure, registry
from handbook.reports.models import GeneratedReport, MonthlyStatistics
from handbook.reports.operations import report_path, write_monthly_report
from handbook.reports.statistics import compute_month, month_report, parse_month
from handbook.study.models import PointEntry

MARCH = date(2026, 3, 1)
LONG_AGO = datetime(2025, 1, 1)


def utc_from_vn(*parts) -> datetime:
    """A Vietnam wall-clock time as the UTC the database stores."""
    moment = datetime(*parts)
    return moment.replace(hour=moment.hour) - (datetime(2026, 1, 1, 7) - datetime(2026, 1, 1))


@pytest.fixture(scope="module")
def small(app, make, tree):
    """R (committee) → G (grassroots, one member of its own) → B1 (3 members), B2 (2); R → B3
    (a grassroots branch, 1 member); with March 2026's activity, a move in May and a death in June."""
    t = {"R": make.org(tree["P"], "committee", "Đảng bộ Khối Thống Kê")}
    t["G"] = make.org(t["R"], "grassroots", "Đảng bộ xã Vũ Hội")
    t["B1"] = make.org(t["G"], "branch", "Chi bộ thôn Một")
    t["B2"] = make.org(t["G"], "branch", "Chi bộ thôn Hai")
    t["B3"] = make.org(t["R"], "grassroots", "Chi bộ cơ sở Trường học")
    t["g1"] = make.member(t["G"], "Phạm Văn Giáp")
    t["m1"] = make.member(t["B1"], "Nguyễn Văn Một")
    t["m2"] = make.member(t["B1"], "Trần Thị Hai")
    t["m3"] = make.member(t["B1"], "Lê Văn Ba", status="probationary")
    t["m4"] = make.member(t["B2"], "Vũ Thị Bốn")
    t["m5"] = make.member(t["B2"], "Đỗ Văn Năm")
    t["m6"] = make.member(t["B3"], "Hoàng Thị Sáu")
    t["late"] = make.member(t["B1"], "Bùi Văn Muộn")  # joins in April: not in March's figures
    t["u1"] = make.user("member", t["B1"], t["m1"])
    t["u2"] = make.user("member", t["B1"], t["m2"])
    with app.app_context():
        s = db.session
        org_ids = [t[k].id for k in ("R", "G", "B1", "B2", "B3")]
        member_ids = [t[k].id for k in ("g1", "m1", "m2", "m3", "m4", "m5", "m6")]
        s.execute(update(Organization).where(Organization.id.in_(org_ids)).values(created_at=LONG_AGO))
        s.execute(update(Member).where(Member.id.in_(member_ids)).values(created_at=LONG_AGO))
        s.execute(update(Member).where(Member.id == t["late"].id).values(created_at=utc_from_vn(2026, 4, 2, 9)))
        s.execute(update(User).where(User.id.in_([t["u1"].id, t["u2"].id])).values(created_at=LONG_AGO))
        s.add(AuditEntry(at=utc_from_vn(2026, 3, 10, 8), user_id=t["u1"].id, login="m1", action="login"))
        # m2 reads at 00:30 on 1 March in Vietnam (still February in UTC): March's.
        # m4 reads at 00:30 on 1 April in Vietnam (still March in UTC): not March's.
        document = Document(doc_type="plan", title="Kế hoạch thống kê tháng", level="local", organization_id=t["R"].id,
                            status="published", published_at=LONG_AGO)
        s.add(document)
        s.flush()
        for member, moment in (("m1", (2026, 3, 5, 9)), ("m2", (2026, 3, 1, 0, 30)), ("m4", (2026, 4, 1, 0, 30)),
                               ("m5", (2026, 3, 20, 20))):
            s.add(ReadMark(member_id=t[member].id, document_id=document.id, read_at=utc_from_vn(*moment)))
        for member, points, moment, ref in (("m1", 60, (2026, 1, 15, 9), "a"), ("m1", 45, (2026, 3, 5, 9), "b"),
                                            ("m2", 99, (2026, 3, 1, 0, 30), "c"), ("m5", 7, (2026, 3, 20, 20), "d")):
            s.add(PointEntry(member_id=t[member].id, source="manual", reference=f"stats-{ref}", points=points,
                             created_at=utc_from_vn(*moment)))
        s.commit()
        # m5 moves to B1 in May and m6 dies in June, through the ORM as a screen would: both recorded.
        s.get(Member, t["m5"].id).organization = s.get(Organization, t["B1"].id)
        s.get(Member, t["m6"].id).status = "deceased"
        s.commit()
        changes = {c.member_id: c for c in s.execute(select(MemberChange).where(
            MemberChange.member_id.in_([t["m5"].id, t["m6"].id]))).scalars()}
        assert (changes[t["m5"].id].from_organization_id, changes[t["m5"].id].to_organization_id) == (t["B2"].id, t["B1"].id)
        assert (changes[t["m6"].id].from_status, changes[t["m6"].id].to_status) == ("official", "deceased")
        s.execute(update(MemberChange).where(MemberChange.member_id == t["m5"].id).values(changed_at=utc_from_vn(2026, 5, 4, 9)))
        s.execute(update(MemberChange).where(MemberChange.member_id == t["m6"].id).values(changed_at=utc_from_vn(2026, 6, 1, 9)))
        s.commit()
    return t


def _stored(app, month, org):
    with app.app_context():
        row = db.session.execute(select(MonthlyStatistics).where(
            MonthlyStatistics.month == month, MonthlyStatistics.organization_id == org.id)).scalar_one()
        return row.totals, row.own, row.parent_id


@pytest.fixture(scope="module")
def march(app, small):
    """March 2026 computed (long after it ended)."""
    with app.app_context():
        compute_month(db.session, MARCH)
        db.session.commit()
    return small


def test_figures_equal_what_was_counted_by_hand(app, march):
    """Do a branch's figures count its members then, their accounts, who used the handbook in the month
    (in Vietnam's time), what they read and their points?"""
    t = march
    b1, _own, parent = _stored(app, MARCH, t["B1"])
    assert parent == t["G"].id
    assert b1 == {"members": 3, "status_official": 2, "status_probationary": 1, "accounts": 2, "active_members": 2,
                  "documents_read": 2, "points_month": 144, "points_year": 204, "members_on_target": 1}
    b2, _own, _parent = _stored(app, MARCH, t["B2"])
    # m5 was still in B2; m4's read at 00:30 on 1 April is April's.
    assert b2 == {"members": 2, "status_official": 2, "active_members": 1, "documents_read": 1, "points_month": 7,
                  "points_year": 7}
    b3, _own, _parent = _stored(app, MARCH, t["B3"])
    assert b3["members"] == 1 and b3.get("active_members", 0) == 0  # m6 died in June: still counted in March
    with app.app_context():
        report = month_report(db.session, MARCH, t["R"].id)
        figures = {f.key: f for f in registry().figures}
        assert report.root.value(figures["usage_rate"]) == pytest.approx(3 / 7)
        assert report.root.value(figures["points_average"]) == pytest.approx(211 / 7)
        assert [flag.key for flag in report.root.flags] == ["silent"]
        by_name = {org.name: org for _level, orgs in report.levels for org in orgs}
        assert by_name["Đảng bộ xã Vũ Hội"].flags == []  # 3 of 6: exactly half is not silent
        assert [f.key for f in by_name["Chi bộ cơ sở Trường học"].flags] == ["silent"]
        assert [title for title, _orgs in report.levels] == ["Tổ chức cơ sở đảng", "Chi bộ"]
        assert [o.name for o in report.children] == ["Đảng bộ xã Vũ Hội", "Chi bộ cơ sở Trường học"]


def test_a_parent_is_the_sum_of_its_children_and_its_own_members(app, march):
    """At every level of the month's tree, is each count of a parent its own members' plus its children's?"""
    with app.app_context():
        rows = db.session.execute(select(MonthlyStatistics).where(MonthlyStatistics.month == MARCH)).scalars().all()
    children = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    checked = 0
    for row in rows:
        below = children.get(row.organization_id, [])
        for key in set(row.totals) | {k for c in below for k in c.totals}:
            assert row.totals.get(key, 0) == row.own.get(key, 0) + sum(c.totals.get(key, 0) for c in below), (row.code, key)
            checked += 1
    assert checked >= 30  # the five organizations of March and the province above them
    g, g_own, _ = _stored(app, MARCH, march["G"])
    assert g_own == {"members": 1, "status_official": 1} and g["members"] == 6 and g["active_members"] == 3


def test_the_month_under_way_counts_members_where_they_are_now(app, march):
    """Does this month count m5 in B1, where they moved, and leave out m6, who died?"""
    t = march
    with app.app_context():
        month = date.today().replace(day=1)
        compute_month(db.session, month)
        db.session.commit()
    b1, _own, _ = _stored(app, month, t["B1"])
    b3, _own, _ = _stored(app, month, t["B3"])
    assert b1["members"] == 5  # m1, m2, m3, m5 and the April newcomer
    assert b3.get("members", 0) == 0


def test_running_the_job_twice_for_a_period_writes_one_report(app, march, monkeypatch):
    """Does the monthly job claim its period, so that a second scheduler or a restart writes nothing more?"""
    monkeypatch.setitem(app.config, "MONTHLY_REPORT_KINDS", ("committee",))
    on_the_first = datetime(2026, 3, 31, 19, 0)  # 02:00 on 1 April in Vietnam
    with app.app_context():
        first = run_job("monthly-statistics", now=on_the_first)
        again = run_job("monthly-statistics", now=on_the_first.replace(minute=5))
        runs = db.session.execute(select(JobRun).where(JobRun.job == "monthly-statistics", JobRun.period == "2026-04")).scalars().all()
        reports = db.session.execute(select(GeneratedReport).where(
            GeneratedReport.period == "2026-03", GeneratedReport.organization_id == march["R"].id)).scalars().all()
        files = [report_path(report, fmt) for report in reports for fmt in ("xlsx", "pdf")]
    assert first["month"] == "2026-03" and first["reports"] >= 1 and again is None
    assert len(runs) == 1 and runs[0].ok
    assert len(reports) == 1 and all(path.is_file() for path in files)


def test_a_write_killed_midway_leaves_the_previous_file_intact(app, march, monkeypatch):
    """Killed while writing a report again, does the previous Excel and PDF stay as they were, with no part file left?"""
    import handbook.reports.operations as operations

    with app.app_context():
        report = write_monthly_report(db.session, MARCH, march["R"].id)
        db.session.commit()
        xlsx, pdf = report_path(report, "xlsx"), report_path(report, "pdf")
        before = xlsx.read_bytes(), pdf.read_bytes()

        def dies(_report, out):
            out.write(b"PK\x03\x04 half a file")
            raise KeyboardInterrupt  # what a kill looks like from inside

        monkeypatch.setattr(operations, "monthly_xlsx", dies)  # the first file: neither is replaced
        with pytest.raises(KeyboardInterrupt):
            write_monthly_report(db.session, MARCH, march["R"].id)
        db.session.rollback()
    assert (xlsx.read_bytes(), pdf.read_bytes()) == before
    assert not [p.name for p in xlsx.parent.iterdir() if p.name.endswith(".part")]


def test_a_past_month_keeps_the_tree_as_it_was(app, march, make):
    """Moved under another committee in May, does B3 still count under R in March, and under its new
    parent in the month under way?"""
    from handbook.organizations.models import OrganizationMove
    from handbook.organizations.operations import assign_path, move_organization

    t = march
    with app.app_context():
        s = db.session
        province = s.get(Organization, t["R"].parent_id)
        other = Organization(code="STATS-K", name="Đảng bộ Khối Mới", kind="committee", parent_id=province.id)
        s.add(other)
        s.flush()
        assign_path(s, other)
        other.created_at = LONG_AGO
        s.commit()
        move_organization(s, s.get(Organization, t["B3"].id), other)
        s.commit()
        s.execute(update(OrganizationMove).where(OrganizationMove.organization_id == t["B3"].id)
                  .values(moved_at=utc_from_vn(2026, 5, 10, 9)))
        s.commit()
        compute_month(s, MARCH)
        compute_month(s, date.today().replace(day=1))
        s.commit()
        then = month_report(s, MARCH, t["R"].id)
        now = month_report(s, date.today().replace(day=1), t["R"].id)
        moved_then = month_report(s, MARCH, other.id)
    assert [o.name for o in then.children] == ["Đảng bộ xã Vũ Hội", "Chi bộ cơ sở Trường học"]
    assert then.root.totals["members"] == 7
    assert [o.name for o in now.children] == ["Đảng bộ xã Vũ Hội"]
    assert moved_then.children == [] and moved_then.root.totals.get("members", 0) == 0


def test_parse_month_refuses_what_is_not_a_month():
    """Is "2026-13", "2026/03" or "" refused, and "2026-03" read as 1 March?"""
    assert parse_month("2026-03") == MARCH
    for bad in ("2026-13", "2026/03", "", "abcd-ef", "1900-01"):
        with pytest.raises(ValueError):
            parse_month(bad)


def test_a_registered_figure_needs_a_unique_key(app):
    """Is a second figure with a taken key refused?"""
    from handbook.registry import add_monthly_figures

    with pytest.raises(ValueError):
        add_monthly_figures(app, [Figure("members", "Trùng")])


def test_the_command_writes_one_organization_s_month_into_a_folder(app, march, tmp_path):
    """Does `flask reports monthly --month 2026-03 --org CODE --out DIR` write R's Excel and PDF there, and
    refuse a month or a code that is not one with a message?"""
    runner = app.test_cli_runner()
    with app.app_context():
        code = db.session.get(Organization, march["R"].id).code
    done = runner.invoke(args=["reports", "monthly", "--month", "2026-03", "--org", code, "--out", str(tmp_path)])
    assert done.exit_code == 0, done.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"{code}-2026-03.pdf", f"{code}-2026-03.xlsx"]
    assert "1 reports" in done.output
    bad = runner.invoke(args=["reports", "monthly", "--month", "03/2026"])
    assert bad.exit_code == 2 and "YYYY-MM" in bad.output
    unknown = runner.invoke(args=["reports", "monthly", "--month", "2026-03", "--org", "KHONG-CO"])
    assert unknown.exit_code == 2 and "KHONG-CO" in unknown.output
