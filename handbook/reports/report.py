"""A month's statistics of one organization's subtree, as the files and the dashboard read them."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from handbook.organizations.models import ORG_KINDS
from handbook.registry import Figure, Flag

# A level of the tree is titled by its kind, as the tree names it ("Chi bộ").
LEVEL_TITLES = ORG_KINDS


@dataclass
class OrgFigures:
    """One organization's month: its place in the tree as it was that month, and its counts (own
    members only, and rolled up over its subtree)."""

    id: int
    code: str
    name: str
    kind: str
    depth: int  # levels below the report's root: the root is 0
    parent_id: int | None
    parent_name: str | None
    totals: dict[str, int]  # over the subtree
    own: dict[str, int]  # of its own members only
    flags: list[Flag] = field(default_factory=list)

    def value(self, figure: Figure) -> float | int | None:
        """The figure for the whole subtree (a ratio of its rolled-up counts)."""
        return figure.value(self.totals)

    def values(self, figures: list[Figure]) -> dict[str, Any]:
        """Every figure by key."""
        return {figure.key: figure.value(self.totals) for figure in figures}


@dataclass
class MonthReport:
    """What a monthly report shows: the root's figures this month and last, its direct children,
    and every organization of its subtree level by level, in tree order."""

    month: date  # the first day of the month
    root: OrgFigures
    previous: OrgFigures | None  # the root last month (None before the first month computed)
    children: list[OrgFigures]  # the root's direct children, in tree order
    levels: list[tuple[str, list[OrgFigures]]]  # (level title, organizations) below the root, top-down
    figures: list[Figure]  # every registered figure, in report order
    computed_at: datetime  # UTC
    superior_name: str | None = None  # the root's parent, for the Party header

    @property
    def period(self) -> str:
        """"2026-11"."""
        return f"{self.month:%Y-%m}"

    @property
    def title(self) -> str:
        """"Thống kê tháng 11/2026"."""
        return f"Thống kê tháng {self.month.month}/{self.month.year}"

    def groups(self) -> list[tuple[str, list[Figure]]]:
        """The figures by section, in the order their first figure was registered."""
        grouped: dict[str, list[Figure]] = {}
        for figure in self.figures:
            grouped.setdefault(figure.group, []).append(figure)
        return list(grouped.items())
