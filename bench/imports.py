"""Importing the province's register (108,600 rows), against reading the same file with openpyxl
``read_only`` alone (BENCHMARKS.md: ≤ 5×, bounded memory).

The bench writes the register from the ``thaibinh`` data: every member in the 7-HSĐV columns of the
import's template, under new card numbers, so that the import creates 108,600 members and as many
accounts, with their activation codes, sheet and messages. Each process is timed whole, with its
peak RSS:

- the floor: ``openpyxl.load_workbook(read_only=True)`` and every cell of every row read;
- the dry run: ``flask members import FILE --dry-run`` on the bench database;
- the import: ``flask members import FILE`` on a copy of the bench database (SQLite), which the
  import fills; its phases (checking and writing the rows; codes, sheet and messages) as it reports them;
- the re-import of the same file on that copy: every row found unchanged.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_RATIO = 5.0
# The new card numbers: the member's own with this in front (the seeded ones have 8 digits).
CARD_PREFIX = "5"
FLOOR = """
import sys
from openpyxl import load_workbook
book = load_workbook(sys.argv[1], read_only=True)
cells = 0
for row in book.worksheets[0].iter_rows(values_only=True):
    cells += sum(1 for value in row if value is not None)
book.close()
print(cells)
"""


def write_register(url: str, path: str) -> int:
    """Write the province's register to ``path`` (xlsx, write-only) in the template's columns, every member
    whatever their status (those who left are imported as such, without an account); return its rows."""
    from openpyxl import Workbook
    from sqlalchemy import create_engine, text

    from handbook.organizations.models import GENDERS, MEMBER_STATUSES, PARTY_POSITIONS, THEORY_LEVELS
    from handbook.roster.columns import COLUMNS

    engine = create_engine(url)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Danh sách đảng viên")
    sheet.append([column.label for column in COLUMNS])
    fields = [column.field for column in COLUMNS]
    labels = {"gender": GENDERS, "status": MEMBER_STATUSES, "position": PARTY_POSITIONS, "theory_level": THEORY_LEVELS}
    count = 0
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=5000).execute(text(
            "SELECT m.full_name, m.gender, m.date_of_birth, m.ethnicity, m.religion, m.hometown, m.occupation, m.education,"
            " m.theory_level, m.admitted_on, m.official_on, m.card_number, m.position, m.status, m.national_id, m.phone,"
            " m.email, o.code FROM member m JOIN organization o ON o.id = m.organization_id"
            " ORDER BY o.path, m.sort_key"))
        for values in result:
            count += 1
            record = dict(zip(fields[1:], values))
            record["card_number"] = CARD_PREFIX + record["card_number"]
            out = [count]
            for name in fields[1:]:
                value = record[name]
                if name in labels and value:
                    value = labels[name].get(value, value)
                elif name in ("date_of_birth", "admitted_on", "official_on") and value:
                    value = value.strftime("%d/%m/%Y") if hasattr(value, "strftime") else "/".join(reversed(str(value).split("-")))
                out.append(value)
            sheet.append(out)
    engine.dispose()
    book.save(path)
    return count


def _timed(command: list[str], env: dict | None = None) -> dict:
    """Run a process to its end: wall time, peak RSS of that process alone, its output."""
    script = ("import resource, subprocess, sys, json, time\n"
              "t = time.perf_counter(); p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
              "print(json.dumps({'seconds': time.perf_counter() - t, 'rc': p.returncode, 'out': p.stdout[-4000:],"
              " 'err': p.stderr[-4000:], 'rss_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))")
    proc = subprocess.run([sys.executable, "-c", script, *command], cwd=ROOT, env=env or os.environ,
                          capture_output=True, text=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _flask_import(url: str, path: str, *extra: str) -> dict:
    """``flask members import PATH`` on ``url``, timed."""
    env = {**os.environ, "DATABASE_URL": url}
    result = _timed([sys.executable, "-m", "flask", "--app", "wsgi", "members", "import", path, *extra], env)
    if result["rc"]:
        raise SystemExit(f"members import {' '.join(extra)} failed ({result['rc']}):\n{result['out']}\n{result['err']}")
    phases = {}
    for line in result["err"].splitlines():
        name, _, rest = line.partition(": ")
        if rest.endswith(" s") and name in ("rows", "accounts"):
            phases[name] = float(rest[:-2])
    result["phases"] = phases
    return result


def measure_import(url: str) -> list:
    """The province's register: the floor, the dry run, the import and the re-import."""
    from bench.run import Figure

    if not url.startswith("sqlite:///"):
        print("  (the import is measured on a copy of a SQLite bench database only; skipped)")
        return []
    figures = []
    with tempfile.TemporaryDirectory() as scratch:
        register = os.path.join(scratch, "so-danh-sach.xlsx")
        started = time.perf_counter()
        rows = write_register(url, register)
        print(f"  wrote {rows:,} rows ({os.path.getsize(register) / 1e6:.1f} MB) in {time.perf_counter() - started:.0f} s", flush=True)
        floor = _timed([sys.executable, "-c", FLOOR, register])
        print(f"  floor {floor['seconds']:.1f} s", flush=True)
        dry = _flask_import(url, register, "--dry-run")
        print(f"  dry run {dry['seconds']:.1f} s", flush=True)
        copy = os.path.join(scratch, "copy.sqlite")
        shutil.copyfile(url[len("sqlite:///"):], copy)
        copy_url = f"sqlite:///{copy}"
        out = os.path.join(scratch, "out")
        applied = _flask_import(copy_url, register, "--out", out)
        print(f"  import {applied['seconds']:.1f} s {applied['phases']}", flush=True)
        again = _flask_import(copy_url, register, "--out", out)
        print(f"  re-import {again['seconds']:.1f} s", flush=True)
        created = next((line for line in applied["out"].splitlines() if line.startswith(f"{rows} rows")), "")
        unchanged = next((line for line in again["out"].splitlines() if line.startswith(f"{rows} rows")), "")
    rss_goal = 1024
    base = floor["seconds"]
    rows_only = applied["phases"].get("rows")
    figures.append(Figure(
        name=f"Import the province's register, {rows:,} rows (dry run)", value=dry["seconds"], unit="s", floor=base,
        floor_label="openpyxl read_only reading the same file", goal=f"≤ {GOAL_RATIO:g}×, bounded memory",
        met=dry["seconds"] <= GOAL_RATIO * base and dry["rss_mb"] < rss_goal,
        detail={"rss_mb": dry["rss_mb"], "floor_rss_mb": floor["rss_mb"]}))
    whole = applied["seconds"]
    figures.append(Figure(
        name=f"Import the province's register, {rows:,} rows, whole process (members, accounts, codes, sheet, messages)",
        value=whole, unit="s", floor=base, floor_label="openpyxl read_only reading the same file",
        goal=f"≤ {GOAL_RATIO:g}×, bounded memory", met=whole <= GOAL_RATIO * base and applied["rss_mb"] < rss_goal,
        detail={"rss_mb": applied["rss_mb"], "rows_checked_and_written_s": rows_only,
                "activation_codes_sheet_messages_s": applied["phases"].get("accounts"), "output": created}))
    figures.append(Figure(
        name=f"Re-import of the same {rows:,} rows (all unchanged)", value=again["seconds"], unit="s", floor=base,
        floor_label="openpyxl read_only reading the same file", goal=f"≤ {GOAL_RATIO:g}×", met=again["seconds"] <= GOAL_RATIO * base,
        detail={"rss_mb": again["rss_mb"], "output": unchanged}))
    return figures


if __name__ == "__main__":  # python -m bench.imports [URL]
    from bench.run import DEFAULT_URL

    for figure in measure_import(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_URL):
        print(figure)
