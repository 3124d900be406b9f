"""The app as ``make run`` serves it, plus the floor route the bench compares the member home with.

Only the bench imports this module (``gunicorn bench.wsgi:app``), so production never has the route.
"""
import random

from sqlalchemy import func, select

from handbook import create_app
from handbook.extensions import db
from handbook.organizations.models import Member


def add_floor_route(app) -> None:
    """Add ``/_bench/lookup`` to ``app``: the floor, one indexed lookup (a member by id)."""
    highest_id = []

    @app.route("/_bench/lookup")
    def bench_lookup():
        """The floor: one indexed lookup (a member by id) on the same server and database."""
        if not highest_id:
            highest_id.append(db.session.execute(select(func.max(Member.id))).scalar() or 1)
        name = db.session.execute(select(Member.full_name).where(Member.id == random.randint(1, highest_id[0]))).scalar()
        return name or "-"


app = create_app()
add_floor_route(app)
