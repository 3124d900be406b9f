"""What a domain plugs into the house, in one place.

A domain is a folder ``handbook/<domain>/`` whose ``init_app(app)`` registers its blueprint and CLI
group with Flask directly, and everything else here: its back-office screens, periodic jobs,
seeders, member-home items and dashboard figures. ``create_app`` lists the domains once, in
dependency order; nothing outside a domain's folder names what is inside it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from flask import Flask, current_app


@dataclass
class Registry:
    """The things the domains of one app registered, in registration (= domain) order."""

    jobs: dict[str, object] = field(default_factory=dict)  # name -> handbook.jobs.Job
    demo_seeders: list[Callable] = field(default_factory=list)  # fn(session, ctx: DemoContext)
    province_seeders: list[Callable] = field(default_factory=list)  # fn(session, ctx: ActivityContext) -> int | dict
    member_today: list[Callable] = field(default_factory=list)  # fn(user) -> list[dict]
    member_nav: list[tuple] = field(default_factory=list)  # (position, label, path, icon)
    unread_notices: Callable | None = None  # fn(user) -> int, the header's badge
    dashboard: list[tuple[str, Callable]] = field(default_factory=list)  # (template, fn(scope) -> dict)


def registry(app: Flask | None = None) -> Registry:
    """The registry of ``app`` (default: the current app)."""
    app = app or current_app
    return app.extensions.setdefault("handbook", Registry())


def add_admin_views(app: Flask, *views) -> None:
    """Add back-office screens, shown in the menu in the order they are added."""
    admin = app.extensions["handbook_admin"]
    for view in views:
        admin.add_view(view)


def add_menu_link(app: Flask, link) -> None:
    """Add a link (a ``flask_admin.menu.MenuLink``) to the back-office menu."""
    app.extensions["handbook_admin"].add_link(link)


def add_jobs(app: Flask, *functions) -> None:
    """Schedule periodic jobs: functions declared with ``handbook.jobs.job``."""
    jobs = registry(app).jobs
    for function in functions:
        job = function.job
        if job.name in jobs and jobs[job.name] is not job:
            raise ValueError(f"two jobs are named {job.name!r}")
        jobs[job.name] = job


def add_seeders(app: Flask, demo: Callable | None = None, province: Callable | None = None) -> None:
    """Fill this domain's tables in the demo data set and in the province (``thaibinh``) data set."""
    if demo is not None:
        registry(app).demo_seeders.append(demo)
    if province is not None:
        registry(app).province_seeders.append(province)


def add_member_today(app: Flask, items: Callable) -> None:
    """Add items to the member home's "today" list: ``items(user) -> list[dict]``."""
    registry(app).member_today.append(items)


def add_member_nav(app: Flask, position: int, label: str, path: str, icon: str) -> None:
    """Add an entry to the member pages' bottom navigation, ordered by ``position`` (home is 0)."""
    registry(app).member_nav.append((position, label, path, icon))
    registry(app).member_nav.sort()


def set_unread_notices(app: Flask, counter: Callable) -> None:
    """Count a user's unread notices for the member pages' header: ``counter(user) -> int``."""
    registry(app).unread_notices = counter


def add_dashboard(app: Flask, template: str, figures: Callable) -> None:
    """Add a card to the back-office dashboard: ``template`` rendered with ``figures(scope)`` as ``figures``."""
    registry(app).dashboard.append((template, figures))
