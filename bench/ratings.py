"""The province's rating sheet of 2025 (108,600 members), xlsx and PDF: each a whole process (time and
peak RSS) against a process drawing the same cells from bare SQL (openpyxl write-only; reportlab
tables of 200 rows).

Bench setup, not a measurement: when the bench database has no rating of 2025, one is inserted for
every member in one INSERT … SELECT, the levels, scores and evidence derived from the member's id so
that every run rates alike; and the evidence the 2025 rule set's conditions name is registered on the
measured app when no domain registers it yet, so that the sheet has its evidence columns.

Side by side, not a goal: stock Flask-Admin's own xlsx export of the same rows and columns, a plain
``ModelView`` of the ratings registered on a second ``Admin`` (as the issue asks, like the member
list's 37 s / 1.17 GB).
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2025
RSS_GOAL_MB = 250
PDF_CHUNK_ROWS = 200
# (key, label, kind, decimals): what the 2025 conditions name, and the points, as the domains would register them.
EVIDENCE = (
    ("tasks_on_time_rate", "Tỷ lệ nhiệm vụ hoàn thành đúng hạn", "percent", 1),
    ("tasks_beyond_rate", "Tỷ lệ nhiệm vụ vượt yêu cầu", "percent", 1),
    ("tasks_late_rate", "Tỷ lệ nhiệm vụ chậm tiến độ", "percent", 1),
    ("points", "Điểm tích lũy", "number", 0),
    ("points_reached", "Đạt chỉ tiêu điểm", "flag", 0),
    ("disciplined", "Bị kỷ luật", "flag", 0),
)
LEVELS = {"excellent": "HTXSNV", "good": "HTTNV", "pass": "HTNV", "fail": "KHTNV"}
TITLE = "DANH SÁCH ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG ĐẢNG VIÊN"
HEAD = ("STT", "Họ và tên", "Ngày sinh", "Chức vụ", "Chi bộ")
TAIL = ("Tự đánh giá", "Điểm tự chấm", "Chi bộ đề xuất", "Điểm chi bộ", "Cấp ủy quyết định", "Ghi chú")
# The sheet's rows as bare SQL: the same columns, the same order.
RATING_SQL = (
    "SELECT m.full_name, m.date_of_birth, m.position, o.name, r.self_level, r.self_score, r.proposed_level,"
    " r.proposed_score, r.decided_level, r.proposal_reason, r.decision_note, r.evidence"
    " FROM member_rating r JOIN member m ON m.id = r.member_id JOIN organization o ON o.id = r.organization_id"
    " WHERE r.year = {year} AND o.path >= '{low}' AND o.path < '{high}' ORDER BY o.path, m.sort_key, m.id"
)


# ---------------------------------------------------------------- bench setup


def _levels_sql(step: str) -> str:
    """A step's level from the member's id: self 10 % HTXSNV, 60 % HTTNV, 27 % HTNV, 3 % KHTNV; the
    branch proposes HTTNV for half the self-assessed HTXSNV; the committee decides the proposal, but
    one in a hundred HTXSNV more goes down to HTTNV (the quota)."""
    excellent = {"self": "m.id % 100 < 10", "proposed": "m.id % 100 < 5", "decided": "m.id % 100 < 4"}[step]
    return (f"CASE WHEN {excellent} THEN 'excellent' WHEN m.id % 100 < 70 THEN 'good'"
            " WHEN m.id % 100 < 97 THEN 'pass' ELSE 'fail' END")


def _score_sql() -> str:
    """A self-assessed score that reaches the self-assessed level."""
    return ("CASE WHEN m.id % 100 < 10 THEN 90 + m.id % 10 WHEN m.id % 100 < 70 THEN 70 + m.id % 20"
            " WHEN m.id % 100 < 97 THEN 50 + m.id % 20 ELSE 30 + m.id % 20 END")


def _evidence_sql(postgresql: bool) -> str:
    """The evidence JSON of each member, built in SQL."""
    build, true, false = ("json_build_object", "TRUE", "FALSE") if postgresql else ("json_object", "json('true')", "json('false')")
    return (f"{build}('tasks_on_time_rate', CASE WHEN m.id % 10 = 9 THEN 0.875 ELSE 1.0 END,"
            " 'tasks_beyond_rate', (m.id % 7) / 10.0, 'tasks_late_rate', (m.id % 3) / 20.0,"
            " 'points', 40 + m.id % 160,"
            f" 'points_reached', CASE WHEN m.id % 4 = 0 THEN {false} ELSE {true} END,"
            f" 'disciplined', CASE WHEN m.id % 250 = 0 THEN {true} ELSE {false} END)")


def ensure_ratings(url: str) -> int:
    """Bench setup: a 2025 rating for every member, inserted in one statement if there is none; how many there are."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    postgresql = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        count = conn.execute(text("SELECT count(*) FROM member_rating WHERE year = :year"), {"year": YEAR}).scalar()
        if not count:
            rule_set = conn.execute(text("SELECT id FROM rating_rule_set WHERE year = :year"), {"year": YEAR}).scalar()
            empty = "'{}'::json" if postgresql else "'{}'"
            conn.execute(text(
                "INSERT INTO member_rating (year, rule_set_id, member_id, organization_id, status, evidence,"
                " evidence_at, draft_level, self_scores, self_score, self_level, self_at, proposed_score,"
                " proposed_level, proposal_reason, proposed_at, decided_level, decision_note, decided_at,"
                " created_at, version)"
                f" SELECT :year, :rule_set, m.id, m.organization_id, 'decided', {_evidence_sql(postgresql)},"
                f" :now, {_levels_sql('self')}, {empty}, {_score_sql()}, {_levels_sql('self')}, :now,"
                f" CASE WHEN m.id % 100 BETWEEN 5 AND 9 THEN 85 ELSE {_score_sql()} END, {_levels_sql('proposed')},"
                " CASE WHEN m.id % 100 BETWEEN 5 AND 9 THEN 'Chưa đạt tiêu chí HTXSNV' END, :now,"
                f" {_levels_sql('decided')},"
                " CASE WHEN m.id % 100 = 4 THEN 'Vượt hạn mức HTXSNV của tổ chức cơ sở đảng' END, :now, :now, 1"
                " FROM member m"), {"year": YEAR, "rule_set": rule_set, "now": datetime(2025, 12, 20)})
            count = conn.execute(text("SELECT count(*) FROM member_rating WHERE year = :year"), {"year": YEAR}).scalar()
    engine.dispose()
    return count


# ---------------------------------------------------------------- the floors


def _vietnamese(value: float, digits: int) -> str:
    """1.234,5: the floor's own writing of a number (it imports nothing of the app)."""
    return f"{value:,.{digits}f}".translate(str.maketrans(",.", ".,"))


def _score(value: float) -> str:
    """89,5; 90: a score written without trailing zeros."""
    return _vietnamese(value, 2).rstrip("0").rstrip(",")


def sheet_evidence() -> list[tuple]:
    """The sheet's evidence columns (key, label, kind, decimals): what the domains register, in their
    order, then those of EVIDENCE none registers (added by the bench). Worked out once by the parent
    process and handed to the floors in BENCH_EVIDENCE, so that they draw exactly the sheet's columns
    without starting the app themselves."""
    if "BENCH_EVIDENCE" in os.environ:
        return [tuple(item) for item in json.loads(os.environ["BENCH_EVIDENCE"])]
    from handbook import create_app
    from handbook.config import Config
    from handbook.registry import registry

    registered = [(e.key, e.label, e.kind, e.decimals)
                  for e in registry(create_app(Config, SQLALCHEMY_DATABASE_URI="sqlite://")).evidence]
    known = {key for key, *_rest in registered}
    return registered + [item for item in EVIDENCE if item[0] not in known]


def _floor_rows(url: str, low: str, high: str, positions: dict):
    """The floor's rows, 2,000 at a time: bare DB-API rows turned into the sheet's cells with the fewest steps."""
    from bench.spreadsheets import _connect

    raw = _connect(url)
    cursor = raw.cursor()
    cursor.execute(RATING_SQL.format(year=YEAR, low=low, high=high))
    number = 0
    flags = {True: "Có", False: "Không", None: None}
    evidence_columns = sheet_evidence()
    while batch := cursor.fetchmany(2000):
        rows = []
        for name, born, position, branch, sl, ss, pl, ps, dl, reason, note, evidence in batch:
            number += 1
            if isinstance(born, str):  # SQLite hands dates back as ISO text
                born = date.fromisoformat(born)
            stored = json.loads(evidence) if isinstance(evidence, str) else evidence
            values = [flags[stored.get(key)] if kind == "flag" else stored.get(key) for key, _l, kind, _d in evidence_columns]
            notes = "; ".join(text for text in (reason, note) if text) or None
            rows.append([number, name, born, positions.get(position, position), branch, *values, LEVELS.get(sl),
                         None if ss is None else float(ss), LEVELS.get(pl), None if ps is None else float(ps),
                         LEVELS.get(dl), notes])
        yield rows
    raw.close()


def floor_xlsx(url: str, out: str, low: str, high: str, positions_json: str) -> dict:
    """The same cells from bare SQL into openpyxl's write-only workbook: title lines, bold header, typed cells."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Xếp loại đảng viên")
    sheet.freeze_panes = "C5"
    for line in ("Đảng bộ tỉnh Thái Bình", f"{TITLE} NĂM {YEAR}", "Theo Quy định 366-QĐ/TW"):
        sheet.append([line])
    evidence_columns = sheet_evidence()
    titles = [*HEAD, *(label for _k, label, _kind, _d in evidence_columns), *TAIL]
    bold = Font(bold=True)
    header = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    styled = {2: "dd/mm/yyyy"}
    styled.update({len(HEAD) + i: "0.0%" for i, (_k, _l, kind, _d) in enumerate(evidence_columns) if kind == "percent"})
    cells = {}
    for i, number_format in styled.items():
        cells[i] = WriteOnlyCell(sheet)
        cells[i].number_format = number_format
    rows = 0
    for chunk in _floor_rows(url, low, high, json.loads(positions_json)):
        for row in chunk:
            for i, cell in cells.items():
                if row[i] is not None:
                    cell.value = row[i]
                    row[i] = cell
            sheet.append(row)
        rows += len(chunk)
    sheet.auto_filter.ref = f"A4:Q{4 + rows}"
    workbook.save(out)
    return {"rows": rows}


def floor_pdf(url: str, out: str, low: str, high: str, positions_json: str, font_path: str, layout_json: str) -> dict:
    """The same tables from bare SQL drawn by reportlab: landscape A4 with the sheet's margins, column
    widths, type and padding, tables of 200 rows with the header repeated; all built first, as
    reportlab's examples do, and no text broken to fit its column."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(TTFont("FloorVN", font_path))
    layout = json.loads(layout_json)
    widths, size = layout["widths"], layout["size"]
    header_style = ParagraphStyle("h", fontName="FloorVN", fontSize=size, leading=size * 1.3, alignment=1)
    evidence_columns = sheet_evidence()
    titles = [*HEAD, *(label for _k, label, _kind, _d in evidence_columns), *TAIL]
    style = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")),
                        ("FONTNAME", (0, 1), (-1, -1), "FloorVN"), ("FONTSIZE", (0, 1), (-1, -1), size),
                        ("LEADING", (0, 1), (-1, -1), size * 1.25),
                        ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                        ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                        ("ALIGN", (0, 1), (0, -1), "RIGHT"), ("ALIGN", (2, 1), (2, -1), "CENTER"),
                        # The evidence right-aligned, then level / score pairs, centred / right-aligned.
                        ("ALIGN", (5, 1), (4 + len(evidence_columns), -1), "RIGHT"),
                        *(("ALIGN", (5 + len(evidence_columns) + i, 1), (5 + len(evidence_columns) + i, -1),
                           "CENTER" if i % 2 == 0 else "RIGHT") for i in range(5))])
    story, rows = [], 0
    for chunk in _floor_rows(url, low, high, json.loads(positions_json)):
        for start in range(0, len(chunk), PDF_CHUNK_ROWS):
            body = []
            for row in chunk[start:start + PDF_CHUNK_ROWS]:
                cells = [str(row[0]), row[1], row[2].strftime("%d/%m/%Y") if row[2] else "", row[3], row[4]]
                for (_k, _l, kind, digits), value in zip(evidence_columns, row[5:5 + len(evidence_columns)]):
                    if value is None:
                        cells.append("")
                    elif kind == "percent":
                        cells.append(_vietnamese(value * 100, 1) + "%")
                    elif kind == "number":
                        cells.append(_vietnamese(value, digits))
                    else:
                        cells.append(value)
                tail = 5 + len(evidence_columns)
                for value in row[tail:tail + 5]:
                    cells.append("" if value is None else value if isinstance(value, str) else _score(value))
                cells.append(row[tail + 5] or "")
                body.append(cells)
            table = Table([[Paragraph(title, header_style) for title in titles], *body], colWidths=widths,
                          repeatRows=1)
            table.setStyle(style)
            story.append(table)
        rows += len(chunk)
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), topMargin=20 * mm, bottomMargin=20 * mm,
                            leftMargin=30 * mm, rightMargin=15 * mm)
    doc.build(story)
    return {"rows": rows, "pages": doc.page}


# ---------------------------------------------------------------- the app


def _register_evidence(app) -> list[str]:
    """Bench setup: register the evidence of EVIDENCE no domain registers yet; the keys added."""
    from handbook.registry import Evidence, registry

    known = {item.key for item in registry(app).evidence}
    added = [Evidence(key, label, kind, decimals) for key, label, kind, decimals in EVIDENCE if key not in known]
    registry(app).evidence.extend(added)
    return [item.key for item in added]


def app_sheet(url: str, fmt: str, out: str) -> dict:
    """The province's rating sheet through the app: app start, the sheet read, the file written."""
    from handbook import create_app
    from handbook.config import Config
    from handbook.extensions import db
    from handbook.ratings.files import rating_pdf, rating_xlsx
    from handbook.ratings.sheet import rating_sheet
    from handbook.reports.operations import root_id

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url)
    added = _register_evidence(app)
    with app.app_context():
        started = time.perf_counter()
        sheet = rating_sheet(db.session, root_id(db.session), YEAR)
        read = time.perf_counter()
        with open(out, "wb") as f:
            if fmt == "xlsx":
                rating_xlsx(sheet, f)
            else:
                rating_pdf(sheet, f, app.config["REPORT_PLACE"])
        written = time.perf_counter()
        report = {"rows": sheet.rows, "columns": len(sheet.columns), "evidence_added": added,
                  "sheet_s": read - started, "file_s": written - read, "grassroots": len(sheet.quota)}
        db.session.remove()
    if fmt == "pdf":
        from pypdf import PdfReader

        report["pages"] = len(PdfReader(out).pages)
    return report


# The sheet's columns as a stock view lists them: the member's, the branch's, the evidence (one JSON
# column) and the steps.
STOCK_COLUMNS = ["member.full_name", "member.date_of_birth", "member.position", "organization.name", "evidence",
                 "self_level", "self_score", "proposed_level", "proposed_score", "decided_level", "proposal_reason",
                 "decision_note"]


def stock_export(url: str, out: str) -> dict:
    """Stock Flask-Admin's xlsx export of the year's ratings: a plain ModelView on a second Admin, no
    scope, no streaming; the whole province's rows."""
    from flask_admin import Admin
    from flask_admin.contrib.sqla import ModelView

    from handbook import create_app
    from handbook.config import Config
    from handbook.extensions import db
    from handbook.ratings.models import MemberRating

    class StockRatings(ModelView):
        can_export = True
        export_types = ["xlsx"]
        export_max_rows = 0  # every row
        column_list = STOCK_COLUMNS

        def get_query(self):
            return super().get_query().filter(MemberRating.year == YEAR)

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False)
    stock = Admin(app, name="stock", url="/stock", endpoint="stock")
    stock.add_view(StockRatings(MemberRating, db.session, endpoint="stock_ratings"))
    started = time.perf_counter()
    response = app.test_client().get("/stock/stock_ratings/export/xlsx/")
    with open(out, "wb") as f:
        f.write(response.get_data())
    from openpyxl import load_workbook

    rows = load_workbook(out, read_only=True).active.max_row - 1
    return {"status": response.status_code, "rows": rows, "export_s": time.perf_counter() - started}


def _run(args: list[str], url: str) -> dict:
    """Run ``python -m bench.ratings ARGS`` and return its wall time, CPU time, peak RSS and report."""
    env = {**os.environ, "DATABASE_URL": url, "BENCH_EVIDENCE": json.dumps(sheet_evidence(), ensure_ascii=False)}
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "bench.ratings", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"bench.ratings {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return {"seconds": seconds, **json.loads(proc.stdout.strip().splitlines()[-1])}


def _same_cells(ours: str, floor: str) -> bool:
    """Do the sheet and the floor hold the same first 200 rows below their header (read back)?"""
    from openpyxl import load_workbook

    def head(path):
        sheet = load_workbook(path, read_only=True)["Xếp loại đảng viên"]
        return [row for _i, row in zip(range(201), sheet.iter_rows(min_row=4, values_only=True))]

    mine = head(ours)
    return len(mine) == 201 and mine == head(floor)


def _province(url: str) -> tuple[str, str, str]:
    """The bounds of the root's subtree, and the party positions' labels as JSON for the floors."""
    from sqlalchemy import create_engine, text

    from handbook.organizations.models import PARTY_POSITIONS

    engine = create_engine(url)
    with engine.connect() as conn:
        path = conn.execute(text("SELECT path FROM organization WHERE parent_id IS NULL ORDER BY path LIMIT 1")).scalar()
    engine.dispose()
    return path, path[:-1] + "0", json.dumps(PARTY_POSITIONS, ensure_ascii=False)


def _pdf_floor_args() -> list[str]:
    """What the PDF floor draws with, as the sheet does: the regular face the app embeds, and the
    columns' widths and type size for the sheet's evidence (as JSON)."""
    from handbook.pdf import LANDSCAPE_CONTENT_WIDTH, _font_files
    from handbook.ratings.files import _pdf_widths
    from handbook.ratings.sheet import HEAD_COLUMNS, TAIL_COLUMNS, SheetColumn

    font = next(files["regular"] for files in _font_files() if os.path.exists(files["regular"]))
    columns = ([SheetColumn(title, kind) for title, kind in HEAD_COLUMNS]
               + [SheetColumn(label, kind, decimals) for _key, label, kind, decimals in sheet_evidence()]
               + [SheetColumn(title, kind) for title, kind in TAIL_COLUMNS])
    widths, size = _pdf_widths(columns, LANDSCAPE_CONTENT_WIDTH)
    return [font, json.dumps({"widths": widths, "size": size})]


def measure_ratings(url: str, rounds: int = 3) -> list:
    """The province's rating sheet, xlsx and PDF, each against the bare-SQL floor of the same cells."""
    from bench.run import Figure

    figures = []
    rated = ensure_ratings(url)
    with tempfile.TemporaryDirectory() as scratch:
        low, high, positions = _province(url)
        for fmt in ("xlsx", "pdf"):
            sheet, bare = os.path.join(scratch, f"rating.{fmt}"), os.path.join(scratch, f"floor.{fmt}")
            extra = [] if fmt == "xlsx" else _pdf_floor_args()
            ours, theirs = [], []
            for _ in range(rounds):  # alternate, so that other work on the machine weighs on both alike
                theirs.append(_run(["floor", fmt, bare, low, high, positions, *extra], url))
                ours.append(_run(["app", fmt, sheet], url))

            def median(runs, key):
                return statistics.median(r[key] for r in runs)

            same = _same_cells(sheet, bare) if fmt == "xlsx" else ours[-1]["rows"] == theirs[-1]["rows"]
            detail = {"same_cells" if fmt == "xlsx" else "same_rows": same, "rows": ours[-1]["rows"],
                      "ratings_in_db": rated, "columns": ours[-1]["columns"], "bytes": os.path.getsize(sheet),
                      "floor_bytes": os.path.getsize(bare), "sheet_s": median(ours, "sheet_s"),
                      "file_s": median(ours, "file_s"), "cpu_s": median(ours, "cpu_s"),
                      "floor_cpu_s": median(theirs, "cpu_s"), "rss_mb": median(ours, "rss_mb"),
                      "floor_rss_mb": median(theirs, "rss_mb"), "rounds": {"sheet": ours, "floor": theirs},
                      "evidence_added": ours[-1]["evidence_added"],
                      "note": "whole process: interpreter and app start, the sheet's totals and quota, the file written"}
            if fmt == "pdf":
                detail.update(pages=ours[-1]["pages"], floor_pages=theirs[-1]["pages"])
            seconds, floor_seconds = median(ours, "seconds"), median(theirs, "seconds")
            rss_ok = detail["rss_mb"] <= RSS_GOAL_MB
            floor_label = ("bare SQL + openpyxl write-only, same cells" if fmt == "xlsx"
                           else "bare SQL + reportlab tables of 200 rows, same cells")
            figures += [
                Figure(name=f"Rating sheet {fmt}, province 2025, whole process", value=seconds, unit="s",
                       floor=floor_seconds, floor_label=floor_label, goal="≤ 1.5× the floor",
                       met=same and seconds <= 1.5 * floor_seconds and (fmt == "pdf" or rss_ok), detail=detail),
                Figure(name=f"… its peak RSS ({fmt})", value=detail["rss_mb"], unit="MB", floor=detail["floor_rss_mb"],
                       floor_label=floor_label, goal=f"≤ {RSS_GOAL_MB} MB" if fmt == "xlsx" else "—",
                       met=rss_ok if fmt == "xlsx" else None, detail={}),
            ]
            if fmt == "xlsx":
                stock = _run(["stock", "xlsx", os.path.join(scratch, "stock.xlsx")], url)
                figures += [
                    Figure(name="… stock Flask-Admin's xlsx export of the same rows and columns", value=stock["seconds"],
                           unit="s", floor=floor_seconds, floor_label=floor_label, goal="— (side by side)", met=None,
                           detail=stock),
                    Figure(name="… its peak RSS (stock Flask-Admin)", value=stock["rss_mb"], unit="MB",
                           floor=detail["floor_rss_mb"], floor_label=floor_label, goal="—", met=None, detail={}),
                ]
    return figures


# The evidence of every rated member of a year as bare SQL: points in the year, the months with a
# login or a read, a discipline in the year (the floor of the nightly evidence job).
EVIDENCE_FLOOR = (
    "SELECT r.member_id, sum(p.points) FROM member_rating r JOIN point_entry p ON p.member_id = r.member_id"
    " WHERE r.year = {year} AND p.created_at >= '{start}' AND p.created_at < '{end}' GROUP BY r.member_id",
    "SELECT member_id, count(DISTINCT month) FROM ("
    " SELECT u.member_id, {month_of_at} AS month FROM audit_entry a JOIN user_account u ON u.id = a.user_id"
    "  WHERE a.action = 'login' AND a.at >= '{start}' AND a.at < '{end}' AND u.member_id IS NOT NULL"
    " UNION ALL SELECT member_id, {month_of_read} FROM read_mark WHERE read_at >= '{start}' AND read_at < '{end}'"
    ") used WHERE member_id IN (SELECT member_id FROM member_rating WHERE year = {year}) GROUP BY member_id",
    "SELECT DISTINCT d.member_id FROM member_discipline d JOIN member_rating r ON r.member_id = d.member_id"
    " WHERE r.year = {year} AND d.decided_on >= '{year}-01-01' AND d.decided_on <= '{year}-12-31'",
)


def ensure_open_year(url: str, year: int) -> int:
    """Bench setup: the year under way rated for the whole province (its rules copied from 2025), as
    "Mở đánh giá" does; how many ratings it has."""
    from sqlalchemy import func, select

    from handbook import create_app
    from handbook.config import Config
    from handbook.extensions import db
    from handbook.ratings.evidence import rule_set_of
    from handbook.ratings.models import MemberRating
    from handbook.ratings.operations import copy_rule_set, open_year

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        session = db.session
        rule_set = rule_set_of(session, year) or copy_rule_set(session, rule_set_of(session, YEAR), year)
        if not session.execute(select(MemberRating.id).where(MemberRating.year == year).limit(1)).first():
            open_year(session, rule_set, None)
        session.commit()
        rated = session.execute(select(func.count()).where(MemberRating.year == year)).scalar()
        session.remove()
    return rated


def floor_evidence(url: str, year: int, now: datetime) -> dict:
    """The floor: the same evidence as bare SQL aggregates on a DB-API cursor, gathered per member."""
    from bench.spreadsheets import _connect
    from handbook.clock import year_bounds

    start, end = year_bounds(year)
    end = min(end, now)
    sqlite = url.startswith("sqlite")
    month = ("strftime('%m', {column}, '+7 hours')" if sqlite
             else "extract(month from {column} + interval '7 hours')")
    values = {"year": year, "start": start.strftime("%Y-%m-%d %H:%M:%S.%f"), "end": end.strftime("%Y-%m-%d %H:%M:%S.%f"),
              "month_of_at": month.format(column="a.at"), "month_of_read": month.format(column="read_at")}
    evidence: dict[int, dict] = {}
    raw = _connect(url)
    try:
        cursor = raw.cursor()
        for key, sql in zip(("points_year", "months_used", "disciplined"), EVIDENCE_FLOOR):
            cursor.execute(sql.format(**values))
            for row in cursor.fetchall():
                evidence.setdefault(row[0], {})[key] = row[1] if len(row) > 1 else True
    finally:
        raw.close()
    return evidence


def measure_evidence(url: str, rounds: int = 3) -> list:
    """The nightly evidence job over the province's year under way (compute and store every rating's
    evidence and draft), against the bare SQL aggregates of the same evidence."""
    from bench.run import Figure
    from handbook import create_app
    from handbook.clock import local_today, utcnow
    from handbook.config import Config
    from handbook.extensions import db
    from handbook.ratings.evidence import refresh_evidence

    year = local_today().year
    rated = ensure_open_year(url, year)
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url)
    ours, theirs = [], []
    for _ in range(rounds):
        now = utcnow()
        started = time.perf_counter()
        floor = floor_evidence(url, year, now)
        theirs.append(time.perf_counter() - started)
        with app.app_context():
            started = time.perf_counter()
            count = refresh_evidence(db.session, year, None, now)
            db.session.commit()
            ours.append(time.perf_counter() - started)
            db.session.remove()
    seconds, floor_seconds = statistics.median(ours), statistics.median(theirs)
    detail = {"ratings": count, "rated": rated, "members_with_floor_evidence": len(floor),
              "rounds": {"job": ours, "floor": theirs},
              "note": "ours also writes every rating's evidence and draft level back; the floor only reads"}
    return [Figure(name=f"Rating evidence job, province {year} (compute + store)", value=seconds, unit="s",
                   floor=floor_seconds, floor_label="bare SQL aggregates of the same evidence", goal="≤ 2× the floor",
                   met=seconds <= 2 * floor_seconds, detail=detail)]


def main(argv: list[str]) -> None:
    """One side of a measurement, run in a process of its own; prints its report as JSON."""
    from bench.spreadsheets import _peak_rss_mb

    side, fmt, out, *rest = argv
    url = os.environ["DATABASE_URL"]
    if side == "stock":
        report = stock_export(url, out)
    elif side == "app":
        report = app_sheet(url, fmt, out)
    elif fmt == "xlsx":
        report = floor_xlsx(url, out, *rest)
    else:
        report = floor_pdf(url, out, *rest)
    cpu = os.times()
    report.update(cpu_s=cpu.user + cpu.system, rss_mb=_peak_rss_mb())
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
