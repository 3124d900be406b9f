"""Pages of a list: one page of rows and the total in one round trip, with what a pager shows."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select


@dataclass
class Page:
    """One page of results with what a pager needs (the attributes of Flask-SQLAlchemy's Pagination)."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def paginate(session, query, page: int, per_page: int) -> Page:
    """One page of an ORM select and the total in one round trip (a window count), not two queries."""
    rows = session.execute(
        query.add_columns(func.count().over().label("_total")).limit(per_page).offset((page - 1) * per_page)
    ).all()
    if rows:
        return Page([row[0] for row in rows], page, per_page, rows[0][-1])
    # Past the last page: count, so the pager can lead back.
    total = session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    return Page([], page, per_page, total)
