"""The dashboard and the report files: each level sees its subtree's month, drills down, downloads; and a
figure a domain registers reaches the Excel, the PDF and the dashboard with no change to the report."""
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from handbook.extensions import db
from handbook.registry import Figure, registry
from handbook.reports.models import GeneratedReport
from handbook.reports.statistics import compute_month, current_month
from support import csrf_token, logged_in_client


def _this_month() -> date:
    return current_month()


@pytest.fixture(scope="module")
def computed(app, tree):
    """The month under way computed for the whole tree (the shared test tree has 6 members, 2 with accounts)."""
    with app.app_context():
        compute_month(db.session, _this_month())
        db.session.commit()
    return tree


def _counted(app, org) -> int:
    """The members of ``org``'s subtree counted this month (other tests add organizations and members to the shared tree)."""
    from handbook.organizations.models import Member, Organization
    from handbook.organizations.queries import COUNTED_STATUSES

    with app.app_context():
        return db.session.execute(select(func.count()).select_from(Member).join(Organization).where(
            Organization.path.startswith(org.path), Member.status.in_(COUNTED_STATUSES))).scalar()


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_a_committee_sees_its_subtree_and_drills_down(app, computed):
    """Does C1's committee see C1's figures, its grassroots G1 below it, then G1's branches, and get 404 for C2?"""
    t = computed
    client = logged_in_client(app, t["committee"])
    page = client.get("/admin/")
    assert page.status_code == 200
    text = _text(page)
    assert "Đảng bộ huyện Một" in text and "Tổng số đảng viên" in text and "Tỷ lệ sử dụng" in text
    assert 'data-org="%d"' % t["G1"].id in page.get_data(as_text=True)
    assert "Đảng bộ huyện Hai" not in text and "Đảng bộ xã Hai" not in text
    down = client.get(f"/admin/?org={t['G1'].id}")
    html = down.get_data(as_text=True)
    assert down.status_code == 200 and f'data-org="{t["B1"].id}"' in html and f'data-org="{t["B2"].id}"' in html
    assert "Đảng bộ huyện Một" in _text(down)  # the trail back up
    members = re.search(r'data-figure="members">([^<]+)<', html).group(1)
    assert members.strip() == str(_counted(app, t["G1"]))
    for outside in (t["C2"], t["G2"], t["B3"], t["P"]):
        assert client.get(f"/admin/?org={outside.id}").status_code == 404
    for forged in ("abc", "-1", "99999999999999999999", "1 OR 1=1"):
        assert client.get(f"/admin/?org={forged}").status_code == 404


def test_a_secretary_sees_their_branch_and_nothing_above(app, computed):
    """Does the secretary's dashboard show B1's own figures, no table below, and 404 for G1 above it?"""
    t = computed
    client = logged_in_client(app, t["secretary"])
    page = client.get("/admin/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Chi bộ B1" in html and 'data-testid="children"' not in html
    assert re.search(r'data-figure="members">\s*%d\s*<' % _counted(app, t["B1"]), html)
    assert client.get(f"/admin/?org={t['G1'].id}").status_code == 404
    assert client.get(f"/admin/?org={t['B2'].id}").status_code == 404


def test_the_admin_sees_the_province_and_a_bad_month_is_this_month(app, computed):
    """Does the admin see the province with its committees, and does a month that is not one (or in the
    future) fall back to this month rather than fail?"""
    t = computed
    client = logged_in_client(app, t["admin"])
    for month in ("", "2026-13", "9999-01", "<script>"):
        page = client.get(f"/admin/?month={month}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert f'data-org="{t["C1"].id}"' in html and f'data-org="{t["C2"].id}"' in html
        assert "<script>" not in html.split('data-testid="statistics"')[1].split("</form>")[0]


def test_a_member_has_no_dashboard(app, computed):
    """Is the back office closed to a plain member?"""
    client = logged_in_client(app, computed["member"])
    assert client.get("/admin/").status_code == 403


def test_a_secretary_writes_and_downloads_their_branch_report_only(app, computed):
    """Does "Lập báo cáo" write B1's month for its secretary, listed and downloadable as Excel and PDF;
    is a forged organization 404 and another's file 404?"""
    t = computed
    client = logged_in_client(app, t["secretary"])
    token = csrf_token(client, "/admin/reports/")
    month = f"{_this_month():%Y-%m}"
    done = client.post("/admin/reports/generate", data={"csrf_token": token, "organization_id": t["B1"].id, "month": month})
    assert done.status_code == 302
    listing = client.get("/admin/reports/").get_data(as_text=True)
    assert "Chi bộ B1" in listing and "Đã lập báo cáo thống kê tháng" in listing
    with app.app_context():
        report = db.session.execute(select(GeneratedReport).where(
            GeneratedReport.organization_id == t["B1"].id, GeneratedReport.period == month)).scalar_one()
    xlsx = client.get(f"/admin/reports/download/{report.id}/xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    workbook = load_workbook(io.BytesIO(xlsx.data))
    assert "Tổng hợp" in workbook.sheetnames
    pdf = client.get(f"/admin/reports/download/{report.id}/pdf")
    assert pdf.status_code == 200 and "CHI BỘ B1" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert client.get(f"/admin/reports/download/{report.id}/exe").status_code == 404
    # Another branch: refused before anything is written.
    with app.app_context():
        before = db.session.execute(select(func.count()).select_from(GeneratedReport)).scalar()
    refused = client.post("/admin/reports/generate", data={"csrf_token": token, "organization_id": t["B3"].id, "month": month})
    assert refused.status_code == 404
    bad = client.post("/admin/reports/generate", data={"csrf_token": token, "organization_id": t["B1"].id, "month": "2026-99"})
    assert bad.status_code == 302
    future = client.post("/admin/reports/generate", data={"csrf_token": token, "organization_id": t["B1"].id, "month": "2999-01"})
    assert future.status_code == 302
    assert client.post("/admin/reports/generate", data={"organization_id": t["B1"].id, "month": month}).status_code == 400
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(GeneratedReport)).scalar() == before
    other = logged_in_client(app, t["committee2"])
    assert other.get(f"/admin/reports/download/{report.id}/pdf").status_code == 404
    assert "Lập báo cáo thống kê" in _text(logged_in_client(app, t["admin"]).get("/admin/audit/?search="))


def test_a_registered_figure_reaches_the_excel_the_pdf_and_the_dashboard(app, computed, monkeypatch):
    """A test domain registers "Lượt thử nghiệm" (3 per member): is it a column of every level sheet, a line
    of the PDF and of the dashboard, with no change to the report code?"""
    t = computed
    house = registry(app)
    figure = Figure("trials", "Lượt thử nghiệm đặc biệt", "Thử nghiệm")

    def trials(ctx):
        from sqlalchemy import func as f
        members = ctx.members
        rows = ctx.session.execute(select(members.c.organization_id, f.count()).group_by(members.c.organization_id))
        return [("trials", org, 3 * n) for org, n in rows]

    monkeypatch.setattr(house, "figures", house.figures + [figure])
    monkeypatch.setattr(house, "figure_sources", house.figure_sources + [trials])
    client = logged_in_client(app, t["committee"])
    token = csrf_token(client, "/admin/reports/")
    month = f"{_this_month():%Y-%m}"
    assert client.post("/admin/reports/generate", data={"csrf_token": token, "organization_id": t["C1"].id,
                                                        "month": month}).status_code == 302
    with app.app_context():
        report = db.session.execute(select(GeneratedReport).where(
            GeneratedReport.organization_id == t["C1"].id, GeneratedReport.period == month)).scalar_one()
    workbook = load_workbook(io.BytesIO(client.get(f"/admin/reports/download/{report.id}/xlsx").data))
    branches = workbook["Chi bộ"]
    header = [c.value for c in next(branches.iter_rows(min_row=1, max_row=1))]
    column = header.index("Lượt thử nghiệm đặc biệt")
    values = {row[header.index("Tổ chức")]: row[column] for row in branches.iter_rows(min_row=2, values_only=True)}
    assert values["Chi bộ B1"] == 3 * _counted(app, t["B1"]) and values["Chi bộ B2"] == 3 * _counted(app, t["B2"])
    assert isinstance(values["Chi bộ B1"], int)
    pdf = PdfReader(io.BytesIO(client.get(f"/admin/reports/download/{report.id}/pdf").data))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "Lượt thử nghiệm đặc biệt" in text and "ĐẢNG BỘ HUYỆN MỘT" in text and "ĐẢNG CỘNG SẢN VIỆT NAM" in text
    page = _text(client.get("/admin/"))
    expected = 3 * _counted(app, t["C1"])
    assert "Thử nghiệm" in page and f"Lượt thử nghiệm đặc biệt {expected}" in page
