"""The app as ``make run`` serves it, plus the floor route the bench compares the member home with.

Only the bench imports this module (``gunicorn bench.wsgi:app``), so production never has the route.
"""
import random

from sqlalchemy import func, select

from handbook import create_app
from handbook.extensions import db
from handbook.organizations.models import Member

app = create_app()
_highest_id = []


@app.route("/_bench/lookup")
def bench_lookup():
    """The floor: one indexed lookup (a member by id) on the same server and database."""
    if not _highest_id:
        _highest_id.append(db.session.execute(select(func.max(Member.id))).scalar() or 1)
    name = db.session.execute(select(Member.full_name).where(Member.id == random.randint(1, _highest_id[0]))).scalar()
    return name or "-"
