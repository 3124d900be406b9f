"""The house: domains plug themselves in and keep to their own rooms.

A domain (``handbook/<name>/`` listed in ``handbook.DOMAINS``) may use a sibling's services (its
models, operations, queries, sessions…) but not its plug-in modules (screens, pages, commands,
jobs, seeders) nor anything private, and takes the shared helpers (time, paging, spreadsheets,
PDF, bulk inserts) from the house modules at the bottom, never from a sibling.
"""
import ast
import json
import pathlib
import subprocess
import sys

import pytest

from handbook import DOMAINS
from handbook.registry import registry

ROOT = pathlib.Path(__file__).resolve().parent.parent
PLUG_IN_MODULES = {"admin", "views", "cli", "seed", "jobs", "today", "forms", "layout"}
# Shared helpers and the one house module each comes from.
HOUSE_HELPERS = {
    "utcnow": "handbook.clock", "local_now": "handbook.clock", "local_today": "handbook.clock",
    "local_time": "handbook.clock", "local_date": "handbook.clock", "LOCAL_OFFSET": "handbook.clock",
    "TIMEZONE": "handbook.clock", "day_start": "handbook.clock", "year_bounds": "handbook.clock",
    "month_bounds": "handbook.clock", "paginate": "handbook.paging", "Page": "handbook.paging",
    "insert_rows": "handbook.bulk", "neutralize_cell": "handbook.spreadsheets", "ascii_filename": "handbook.spreadsheets",
    "csv_response": "handbook.spreadsheets", "xlsx_response": "handbook.spreadsheets",
    "vietnamese_fonts": "handbook.pdf", "build_pdf": "handbook.pdf", "party_header": "handbook.pdf",
    "path_within": "handbook.scope", "subtree_ids": "handbook.scope", "safe_next": "handbook.security",
}


def _imports(domain: str):
    """(file, line, module, name) of every ``from handbook… import name`` in the domain's files, functions included."""
    for path in sorted((ROOT / "handbook" / domain).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("handbook"):
                for alias in node.names:
                    yield path.relative_to(ROOT), node.lineno, node.module, alias.name


@pytest.mark.parametrize("domain", DOMAINS)
def test_a_domain_uses_no_private_part_of_a_sibling(domain):
    """Does the domain import only the public services of its siblings, and the shared helpers from the house?"""
    wrong = []
    for path, line, module, name in _imports(domain):
        parts = module.split(".")
        sibling = parts[1] if len(parts) > 1 and parts[1] in DOMAINS and parts[1] != domain else None
        # "from handbook.auth import attempts" names a module; "from handbook.auth.models import User" a name in one.
        part = parts[2] if len(parts) > 2 else name
        if sibling and (part in PLUG_IN_MODULES or part.startswith("_") or name.startswith("_") or name == "init_app"):
            wrong.append(f"{path}:{line} from {module} import {name}")
        if name in HOUSE_HELPERS and module != HOUSE_HELPERS[name]:
            wrong.append(f"{path}:{line} {name} from {module}, not {HOUSE_HELPERS[name]}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("domain", DOMAINS)
def test_a_domain_imports_alone(domain):
    """Imported alone in a fresh interpreter, every module of the domain loads, and loads none of a
    sibling's plug-in modules (so its screens, pages and commands stay its own)."""
    script = f"""
import importlib, json, pkgutil, sys
import handbook.{domain} as package
for info in pkgutil.walk_packages(package.__path__, "handbook.{domain}."):
    importlib.import_module(info.name)
domains = {list(DOMAINS)!r}
loaded = [m for m in sys.modules if m.count(".") >= 2 and m.split(".")[0] == "handbook"
          and m.split(".")[1] in domains and m.split(".")[1] != "{domain}"
          and m.split(".")[2] in {sorted(PLUG_IN_MODULES)!r}]
print(json.dumps(sorted(loaded)))
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_every_domain_registers_itself(app):
    """Are the domains' screens, jobs, seeders and member-home items all found through the registry?"""
    house = registry(app)
    assert set(house.jobs) == {"purge-throttle", "purge-sessions", "sweep-uploads", "extract-text",
                               "monthly-statistics", "statistics-this-month", "rating-evidence",
                               "close-attempts"}
    assert all(job.label and job.cron for job in house.jobs.values())
    assert [f.__name__ for f in house.demo_seeders] == ["seed_point_rules", "seed_study_demo", "seed_demo_content",
                                                        "seed_demo_ratings"]
    assert [f.__name__ for f in house.last_demo_seeders] == ["seed_topic_documents"]
    assert {f.__module__.split(".")[1] for f in house.province_seeders} == {
        "organizations", "auth", "audit", "roster", "privacy", "study", "content", "jobs", "reports", "ratings"}
    endpoints = {view.endpoint for view in app.extensions["handbook_admin"]._views}
    assert {"organization", "member", "user", "audit", "member_import", "correction", "pointrule", "article", "jobrun",
            "reports", "studytopic", "quizcategory", "quizquestion", "question_import", "quiz", "leaderboardsetting",
            "pointentry", "points_award", "quizattempt", "quiz_statistics"} <= endpoints
    # The monthly figures: each domain's, in domain order, and the dashboard card of the statistics.
    assert {f.__module__ for f in house.figure_sources} == {
        "handbook.organizations.figures", "handbook.auth.figures", "handbook.content.figures",
        "handbook.study.figures", "handbook.reports.statistics"}
    assert [f.__module__ for f in house.usage_sources] == ["handbook.auth.figures", "handbook.study.figures",
                                                           "handbook.study.figures", "handbook.content.figures"]
    assert [template for template, _figures in house.dashboard] == ["reports/_dashboard.html"]
    # The yearly rating's evidence: each domain's, in domain order; the rating code names none of them.
    assert [f.__module__ for f in house.evidence_sources] == [
        "handbook.organizations.evidence", "handbook.study.evidence", "handbook.reports.evidence"]
    assert {"ratings", "organization_ratings", "rating_steps", "rating_rules"} <= endpoints
    assert [label for _position, label, _path, _icon in house.member_nav] == ["Trang chủ", "Tin tức", "Tài liệu", "Học tập"]
