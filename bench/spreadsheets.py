"""The member export of the whole province as the admin, CSV and xlsx: each a whole process (time and
peak RSS) against a process writing the same cells from bare SQL (csv writer; openpyxl write-only).

The export is audited as in production, 108,600 members named per run: a SQLite database is copied
first, so that the seeded one is only read (a PostgreSQL one gets the entries). Each side runs in its
own process, alternating, ``rounds`` times; the figure is the median.
"""
from __future__ import annotations

import csv
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The export's columns as the member screen lists them, the organization joined, in the list's order.
MEMBER_SQL = (
    "SELECT m.full_name, m.card_number, m.date_of_birth, m.gender, m.ethnicity, m.religion, m.hometown,"
    " m.admitted_on, m.official_on, m.status, o.code, o.name, m.position, m.occupation, m.education,"
    " m.theory_level, m.phone, m.email, m.national_id"
    " FROM member m JOIN organization o ON o.id = m.organization_id ORDER BY m.sort_key, m.id"
)
DATE_COLUMNS = (2, 7, 8)
RSS_GOAL_MB = 250


def _labels() -> str:
    """The Vietnamese labels of the coded columns, by position, as JSON: handed to the floor's process,
    which imports nothing of the app."""
    from handbook.organizations.models import GENDERS, MEMBER_STATUSES, PARTY_POSITIONS, THEORY_LEVELS

    return json.dumps({3: GENDERS, 9: MEMBER_STATUSES, 12: PARTY_POSITIONS, 15: THEORY_LEVELS}, ensure_ascii=False)


def _floor_cells(labels_json: str):
    """The floor's rows: bare DB-API rows turned into the export's cells with the fewest steps."""
    labels = {int(i): choices for i, choices in json.loads(labels_json).items()}

    def cells(row):
        row = list(row)
        for i in DATE_COLUMNS:
            if isinstance(row[i], str):  # SQLite hands dates back as ISO text
                row[i] = date.fromisoformat(row[i])
        for i, choices in labels.items():
            row[i] = choices.get(row[i], row[i])
        national_id = row[18]
        row[18] = "•" * (len(national_id) - 3) + national_id[-3:] if national_id else ""
        return row

    return cells


def _connect(url: str):
    """A bare DB-API connection to ``url`` (SQLite or PostgreSQL through psycopg)."""
    if url.startswith("sqlite:///"):
        import sqlite3

        return sqlite3.connect(url[len("sqlite:///"):])
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1))


def floor(url: str, fmt: str, out: str, labels_json: str) -> dict:
    """Write the member export's cells from bare SQL: csv writer, or openpyxl's write-only workbook."""
    raw = _connect(url)
    cursor = raw.cursor()
    cursor.execute(MEMBER_SQL)
    titles = [d[0] for d in cursor.description]
    cells = _floor_cells(labels_json)
    rows = 0
    if fmt == "csv":
        with open(out, "w", encoding="utf-8", newline="") as f:
            f.write("\ufeff")
            writer = csv.writer(f)
            writer.writerow(titles)
            while batch := cursor.fetchmany(2000):
                for row in map(cells, batch):
                    for i in DATE_COLUMNS:
                        row[i] = row[i].strftime("%d/%m/%Y") if row[i] else ""
                    writer.writerow(row)
                rows += len(batch)
    else:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Đảng viên")
        sheet.freeze_panes = "A5"
        for line in ("Đảng viên — Toàn tỉnh", "Điều kiện lọc: không", f"Xuất lúc {datetime.now():%d/%m/%Y %H:%M}"):
            sheet.append([line])
        bold = Font(bold=True)
        header = []
        for title in titles:
            cell = WriteOnlyCell(sheet, value=title)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        dated = {}
        for i in DATE_COLUMNS:
            dated[i] = WriteOnlyCell(sheet)
            dated[i].number_format = "dd/mm/yyyy"
        while batch := cursor.fetchmany(2000):
            for row in map(cells, batch):
                for i, cell in dated.items():
                    if row[i] is not None:
                        cell.value = row[i]
                        row[i] = cell
                sheet.append(row)
            rows += len(batch)
        sheet.auto_filter.ref = f"A4:S{4 + rows}"
        workbook.save(out)
    raw.close()
    return {"rows": rows}


def app_export(url: str, fmt: str, out: str, password: str) -> dict:
    """The member export through the app as the admin: app start, login, the request, the file written."""
    from sqlalchemy import select

    from bench.run import _logged_in_client
    from handbook import create_app
    from handbook.auth.models import User
    from handbook.config import Config
    from handbook.extensions import db

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        login = db.session.execute(select(User.login).where(User.role == "admin").order_by(User.id)).scalars().first()
    client = _logged_in_client(app, login, password)
    started = time.perf_counter()
    response = client.get(f"/admin/member/export/{fmt}/", buffered=False)
    with open(out, "wb") as f:
        for piece in response.response:
            f.write(piece if isinstance(piece, bytes) else piece.encode())
    response.close()
    assert response.status_code == 200, response.status_code
    return {"request_s": time.perf_counter() - started, "login": login}


def _run(args: list[str], url: str) -> dict:
    """Run ``python -m bench.spreadsheets ARGS`` and return its wall time, CPU time, peak RSS and report."""
    env = {**os.environ, "DATABASE_URL": url}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bench.spreadsheets", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"bench.spreadsheets {' '.join(args)} failed:\n{out}\n{err}")
    return {"seconds": seconds, **json.loads(out.strip().splitlines()[-1])}


def _copied(url: str, path: str) -> str:
    """Copy the SQLite database of ``url`` to ``path`` (SQLite's backup: a consistent copy, WAL included)."""
    import sqlite3

    source, target = sqlite3.connect(url[len("sqlite:///"):]), sqlite3.connect(path)
    with target:
        source.backup(target)
    source.close()
    target.close()
    return "sqlite:///" + path


def _same_cells(fmt: str, exported: str, bare: str) -> bool:
    """Do the export and the floor hold the same cells below their titles (CSV: every row; xlsx: the
    first 200, read back)? The floor's titles are the SQL columns' names."""
    if fmt == "csv":
        ours, theirs = (Path(path).read_text(encoding="utf-8").split("\n", 1)[1] for path in (exported, bare))
        return ours == theirs
    from openpyxl import load_workbook

    def head(path):
        sheet = load_workbook(path, read_only=True).active
        return [row for _i, row in zip(range(200), sheet.iter_rows(min_row=5, values_only=True))]

    ours = head(exported)
    return len(ours) == 200 and ours == head(bare)


def measure_spreadsheets(url: str, password: str, rounds: int = 3) -> list:
    """The member export of the province, CSV and xlsx, against the bare-SQL floor of the same cells."""
    from bench.run import Figure

    figures, labels = [], _labels()
    with tempfile.TemporaryDirectory() as scratch:
        if url.startswith("sqlite:///"):
            url = _copied(url, os.path.join(scratch, "bench.sqlite"))
        for fmt in ("csv", "xlsx"):
            exported, bare = os.path.join(scratch, f"export.{fmt}"), os.path.join(scratch, f"floor.{fmt}")
            ours, theirs = [], []
            for _ in range(rounds):  # alternate, so that other work on the machine weighs on both alike
                theirs.append(_run(["floor", fmt, bare, labels], url))
                ours.append(_run(["app", fmt, exported, password], url))
            same = _same_cells(fmt, exported, bare)

            def median(runs, key):
                return statistics.median(r[key] for r in runs)

            detail = {"same_cells": same, "rows": theirs[-1]["rows"], "bytes": os.path.getsize(exported),
                      "request_s": median(ours, "request_s"), "cpu_s": median(ours, "cpu_s"),
                      "floor_cpu_s": median(theirs, "cpu_s"), "rss_mb": median(ours, "rss_mb"),
                      "floor_rss_mb": median(theirs, "rss_mb"), "rounds": {"export": ours, "floor": theirs},
                      "note": "whole process: interpreter and app start, the admin's login, the export written to a file"}
            floor_label = "bare SQL + csv writer" if fmt == "csv" else "bare SQL + openpyxl write-only"
            seconds, floor_seconds = median(ours, "seconds"), median(theirs, "seconds")
            rss_ok = detail["rss_mb"] <= RSS_GOAL_MB
            figures += [
                Figure(name=f"Member export {fmt}, province as admin, whole process", value=seconds, unit="s",
                       floor=floor_seconds, floor_label=f"{floor_label}, same cells", goal="≤ 1.5× the floor",
                       met=same and rss_ok and seconds <= 1.5 * floor_seconds, detail=detail),
                Figure(name=f"… its peak RSS ({fmt})", value=detail["rss_mb"], unit="MB", floor=detail["floor_rss_mb"],
                       floor_label=floor_label, goal=f"≤ {RSS_GOAL_MB} MB", met=rss_ok, detail={}),
            ]
    return figures


def _peak_rss_mb() -> float:
    """This process's peak resident memory. Not ``ru_maxrss``: Linux carries it over from the parent
    through fork and exec, so a child would report the bench runner's own peak."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M).group(1)) / 1024


def main(argv: list[str]) -> None:
    """One side of a measurement, run in a process of its own; prints its report as JSON."""
    side, fmt, out, *rest = argv
    url = os.environ["DATABASE_URL"]
    report = (floor if side == "floor" else app_export)(url, fmt, out, *rest)
    cpu = os.times()
    report.update(cpu_s=cpu.user + cpu.system, rss_mb=_peak_rss_mb())
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
