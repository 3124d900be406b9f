"""The province-scale data set: Thái Bình as of 2022, built with set-based inserts.

``flask --app wsgi seed thaibinh [--seed N] [--members N]`` fills an empty database with
1 province, 13 committees, 700 grassroots organizations, 4,300 branches and 108,600 members (a
smaller ``--members`` scales the tree down in proportion), one secretary per branch with an
account, an account for every committee office, member accounts for about 80% of the members (the
share that used the app within a year) and one admin. Every id is assigned here, so paths such as
``/00000001/00000002/00000015/`` are computed without reading rows back; rows go in with Core
``insert()`` executemany in chunks; PostgreSQL sequences are reset afterwards.

A year of activity (the year before today) comes from the domains' seeders, run in the order the
domains are listed in ``create_app``. To seed your table, write
``def seed_my_table(session, ctx: ActivityContext) -> int`` in your domain's ``seed.py`` (build row
dicts with ids you assign, ``handbook.bulk.insert_rows(session, MyModel.__table__, rows)``, return
the number of rows or a dict of rows per table; leave the commit to the caller) and register it in
the domain's ``init_app`` with ``registry.add_seeders(app, province=seed_my_table)``. ``ctx`` gives
the random generator, the date range and the ids you need: organizations (ids, paths, kinds,
names, parents), members with their branches, and accounts per role. The first tables get their year too:
members' ``updated_at`` and accounts' ``last_login_at`` fall in it.
"""
from __future__ import annotations

import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import func, select, text
from werkzeug.security import generate_password_hash

from handbook.auth.models import User
from handbook.bulk import CHUNK, insert_rows
from handbook.extensions import db
from handbook.organizations.models import Member, Organization, path_segment
from handbook.registry import registry
from handbook.seed.vocabulary import PersonFactory, vocabulary
from handbook.text import nfc, search_key, vi_sort_key

ACCOUNT_SHARE = 0.8  # about 80% of Thái Bình's members used the app within a year
DEFAULT_PASSWORD = "thaibinh2022"
MAIL_DOMAIN = "thaibinh.vn"
# Relative number of grassroots organizations under each of the 13 committees, in vi_seed.json's order.
COMMITTEE_WEIGHTS = [60, 75, 75, 70, 75, 70, 65, 65, 60, 50, 15, 12, 8]
SECRETARY_MIN_YEARS = 3  # secretaries, deputies and committee members are official members


@dataclass(frozen=True)
class Plan:
    """How many rows of each kind the data set has."""

    committees: int
    grassroots: int
    branches: int
    members: int

    @property
    def organizations(self) -> int:
        """Province, committees, grassroots organizations and branches together."""
        return 1 + self.committees + self.grassroots + self.branches


FULL = Plan(committees=13, grassroots=700, branches=4300, members=108_600)


def plan_for(members: int | None = None) -> Plan:
    """The full Thái Bình plan, or one scaled to ``members`` (each branch keeps a secretary)."""
    if members is None or members == FULL.members:
        return FULL
    if members < FULL.committees:
        raise ValueError(f"At least {FULL.committees} members are needed (one branch per committee).")
    share = members / FULL.members
    branches = min(members, max(FULL.committees, round(FULL.branches * share)))
    grassroots = min(branches, max(FULL.committees, round(FULL.grassroots * share)))
    return Plan(FULL.committees, grassroots, branches, members)


@dataclass
class ActivityContext:
    """What an activity seeder needs: randomness, the year to fill, and the ids already seeded."""

    rng: random.Random
    start: datetime  # the year before today: [start, end)
    end: datetime
    org_ids: list[int] = field(default_factory=list)
    org_paths: list[str] = field(default_factory=list)
    org_kinds: list[str] = field(default_factory=list)
    org_names: list[str] = field(default_factory=list)
    org_parent_ids: list[int | None] = field(default_factory=list)
    member_ids: list[int] = field(default_factory=list)
    member_branch_ids: list[int] = field(default_factory=list)
    accounts: dict[str, list[int]] = field(default_factory=dict)  # role -> user ids
    account_member_ids: dict[int, int] = field(default_factory=dict)  # user id -> member id

    def random_time(self) -> datetime:
        """A moment in the seeded year."""
        span = (self.end - self.start).total_seconds()
        return self.start + timedelta(seconds=int(self.rng.random() * span))

    def ids_of_kind(self, kind: str) -> list[int]:
        """Ids of every organization of ``kind`` ('branch', 'grassroots', …)."""
        return [i for i, k in zip(self.org_ids, self.org_kinds) if k == kind]


@dataclass
class SeedResult:
    """What was seeded and how long it took."""

    plan: Plan
    seconds: float
    counts: dict[str, int]
    sample_logins: list[tuple[str, str, str]]  # role, login, scope


def apportion(total: int, weights: list[float], minimum: int = 1) -> list[int]:
    """Split ``total`` into integer shares proportional to ``weights``, each at least ``minimum``."""
    rest = total - minimum * len(weights)
    if rest < 0:
        raise ValueError("Not enough to give every share its minimum.")
    scale = sum(weights)
    quotas = [rest * w / scale for w in weights]
    shares = [int(q) for q in quotas]
    by_remainder = sorted(range(len(weights)), key=lambda i: (quotas[i] - shares[i], -i), reverse=True)
    for i in by_remainder[: rest - sum(shares)]:
        shares[i] += 1
    return [s + minimum for s in shares]


@lru_cache(maxsize=None)
def _name_keys(full_name: str) -> tuple[str, str, str]:
    """NFC name, search key and sort key; names repeat, so each is computed once."""
    name = nfc(full_name)
    return name, search_key(name), vi_sort_key(name)


class _Builder:
    """Draws the whole data set; each step inserts its rows and records ids in the context."""

    def __init__(self, session, seed: int, plan: Plan, password: str, today: date, progress):
        self.session = session
        self.plan = plan
        self.rng = random.Random(seed)
        self.people = PersonFactory(self.rng)
        self.vocab = vocabulary()
        self.today = today
        self.now = datetime.combine(today, datetime.min.time())
        self.progress = progress or (lambda step, done, total: None)
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        # One password for the whole data set, hashed once: 90,000 scrypt hashes would take an hour.
        self.password_hash = generate_password_hash(password, method=method)
        self.ctx = ActivityContext(rng=self.rng, start=self.now - timedelta(days=365), end=self.now)
        self.counts: dict[str, int] = {}
        self.samples: list[tuple[str, str, str]] = []
        self.next_user_id = 1
        self.users: list[dict] = []

    # -- the tree --------------------------------------------------------------------------------
    def _org(self, rows, org_id, code, name, kind, parent):
        """Append one organization row and record it in the context."""
        path = (parent["path"] if parent else "/") + path_segment(org_id)
        name = nfc(name)
        row = {
            "id": org_id, "code": code, "name": name, "kind": kind,
            "parent_id": parent["id"] if parent else None, "path": path,
            "depth": parent["depth"] + 1 if parent else 0, "search_key": search_key(name),
            "created_at": self.ctx.start,
        }
        rows.append(row)
        self.ctx.org_ids.append(org_id)
        self.ctx.org_paths.append(path)
        self.ctx.org_kinds.append(kind)
        self.ctx.org_names.append(name)
        self.ctx.org_parent_ids.append(row["parent_id"])
        return row

    def _place(self) -> str:
        """A village-like place name of two words."""
        villages = self.vocab["thai_binh"]["village_names"]
        first, second = self.rng.sample(villages, 2)
        return f"{first} {second}"

    def organizations(self) -> list[dict]:
        """Province, committees, grassroots organizations and branches, with codes like TB-01-001-01."""
        r, tb, plan = self.rng, self.vocab["thai_binh"], self.plan
        rows: list[dict] = []
        next_id = iter(range(1, plan.organizations + 1))
        province = self._org(rows, next(next_id), "TB", tb["province"], "province", None)
        committees = [
            self._org(rows, next(next_id), f"TB-{c:02d}", tb["directly_subordinate"][c - 1], "committee", province)
            for c in range(1, plan.committees + 1)
        ]
        per_committee = apportion(plan.grassroots, COMMITTEE_WEIGHTS[: plan.committees])
        grassroots = []
        for committee, count in zip(committees, per_committee):
            for g in range(1, count + 1):
                kind = r.choice(tb["grassroots_kinds"])
                grassroots.append(self._org(rows, next(next_id), f"{committee['code']}-{g:03d}",
                                            f"{kind} {self._place()}", "grassroots", committee))
        per_grassroots = apportion(plan.branches, [r.lognormvariate(0, 0.5) for _ in grassroots])
        self.branches = []
        for parent, count in zip(grassroots, per_grassroots):
            kind = r.choice(tb["branch_kinds"])
            place = self._place()
            for b in range(1, count + 1):
                self.branches.append(self._org(rows, next(next_id), f"{parent['code']}-{b:02d}",
                                               f"{kind} {place} {b}", "branch", parent))
        insert_rows(self.session, Organization.__table__, rows)
        self.counts["organization"] = len(rows)
        self.province, self.committees, self.grassroots = province, committees, grassroots
        return rows

    # -- accounts ----------------------------------------------------------------------------------
    def _user(self, login, role, org_id, member_id=None) -> int:
        """Queue one account row; return its id."""
        user_id = self.next_user_id
        self.next_user_id += 1
        self.users.append({
            "id": user_id, "login": login, "password_hash": self.password_hash, "role": role,
            "organization_id": org_id, "member_id": member_id, "active": True, "failed_logins": 0,
            # Most accounts logged in at some moment of the year; about one in ten never did.
            "last_login_at": self.ctx.random_time() if self.rng.random() < 0.9 else None, "session_token": secrets.token_urlsafe(24),
            "created_at": self.ctx.start,
        })
        self.ctx.accounts.setdefault(role, []).append(user_id)
        if member_id is not None:
            self.ctx.account_member_ids[user_id] = member_id
        return user_id

    def _flush_users(self) -> None:
        """Insert the queued accounts."""
        insert_rows(self.session, User.__table__, self.users)
        self.counts["user_account"] = self.counts.get("user_account", 0) + len(self.users)
        self.users = []

    def office_accounts(self) -> None:
        """The admin and one account for every committee and grassroots office."""
        self._user(f"admin@{MAIL_DOMAIN}", "admin", self.province["id"])
        self.samples.append(("admin", f"admin@{MAIL_DOMAIN}", self.province["name"]))
        for org in self.committees + self.grassroots:
            self._user(f"{org['code'].lower()}@{MAIL_DOMAIN}", "committee", org["id"])
        self.samples.append(("committee", f"{self.committees[1]['code'].lower()}@{MAIL_DOMAIN}", self.committees[1]["name"]))
        self.samples.append(("committee", f"{self.grassroots[0]['code'].lower()}@{MAIL_DOMAIN}", self.grassroots[0]["name"]))
        self._flush_users()

    # -- members -----------------------------------------------------------------------------------
    def _member(self, member_id: int, branch: dict, position: str) -> dict:
        """One member row with consistent dates and a status that follows from them."""
        p, r = self.people, self.rng
        gender = p.gender()
        name, key, sort = _name_keys(p.name(gender))
        birth, admitted, official = p.dates(self.today, SECRETARY_MIN_YEARS if position != "member" else 0)
        if official is None:
            status = "probationary"
        elif position != "member":
            status = "official"
        else:
            age = (self.today - birth).days // 365
            draw = r.random()
            if age >= 70 and draw < 0.25:
                status = "exempt"  # members over 70 may be excused from meetings
            elif draw < 0.008:
                status = "transferred"
            elif draw < 0.012:
                status = "deceased"
            elif draw < 0.013:
                status = "expelled"
            else:
                status = "official"
        updated = self.ctx.random_time()
        return {
            "id": member_id, "full_name": name, "search_key": key, "sort_key": sort,
            "date_of_birth": birth, "gender": gender, "ethnicity": p.ethnicity(), "religion": p.religion(),
            "hometown": f"Xã {self._place()}, tỉnh Thái Bình", "card_number": f"{34_000_000 + member_id:08d}",
            "admitted_on": admitted, "official_on": official, "status": status,
            "organization_id": branch["id"], "position": position, "occupation": p.occupation(),
            "education": p.education(), "theory_level": p.theory_level(), "phone": p.phone(member_id),
            "email": None, "national_id": p.national_id(gender, birth),
            "created_at": self.ctx.start, "updated_at": updated,
        }

    def members(self) -> None:
        """Members of every branch (a secretary first), with accounts, inserted chunk by chunk."""
        r, plan = self.rng, self.plan
        sizes = apportion(plan.members, [r.lognormvariate(0, 0.6) for _ in self.branches])
        rows: list[dict] = []
        member_id = 0
        done = 0
        self.progress("members", 0, plan.members)
        for branch, size in zip(self.branches, sizes):
            for k in range(size):
                member_id += 1
                if k == 0:
                    position = "secretary"
                elif k == 1 and size >= 5:
                    position = "deputy_secretary"
                elif k in (2, 3) and size >= 10:
                    position = "committee_member"
                else:
                    position = "member"
                row = self._member(member_id, branch, position)
                rows.append(row)
                self.ctx.member_ids.append(member_id)
                self.ctx.member_branch_ids.append(branch["id"])
                if position == "secretary":
                    self._user(row["phone"], "secretary", branch["id"], member_id)
                elif row["status"] in ("official", "probationary") and r.random() < ACCOUNT_SHARE:
                    self._user(row["phone"], "member", branch["id"], member_id)
            if len(rows) >= CHUNK:
                done += self._flush_members(rows)
                rows = []
        done += self._flush_members(rows)
        self.counts["member"] = done

    def _flush_members(self, rows: list[dict]) -> int:
        """Insert a chunk of members, then their accounts; report progress."""
        if rows:
            insert_rows(self.session, Member.__table__, rows)
            self._flush_users()
            self.progress("members", rows[-1]["id"], self.plan.members)
        return len(rows)

    def sample_member_logins(self) -> None:
        """A secretary's and a member's login of the first branch, to print."""
        first = self.branches[0]
        secretary = self.session.execute(
            select(User.login).where(User.role == "secretary", User.organization_id == first["id"])
        ).scalar()
        member = self.session.execute(
            select(User.login).where(User.role == "member", User.organization_id == first["id"]).order_by(User.id)
        ).scalar()
        self.samples.append(("secretary", secretary, first["name"]))
        if member:
            self.samples.append(("member", member, first["name"]))


def _reset_sequences(session) -> None:
    """PostgreSQL: move every id sequence past the ids assigned here."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key:
            session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
            ))


def seed_thaibinh(session, seed: int = 2022, members: int | None = None, password: str = DEFAULT_PASSWORD,
                  today: date | None = None, progress=None) -> SeedResult:
    """Fill an empty database with the Thái Bình data set; ``progress(step, done, total)`` is told how far it is."""
    started = time.perf_counter()
    for model in (Organization, Member, User):
        if session.execute(select(func.count()).select_from(model)).scalar():
            raise RuntimeError("The database already has data; the thaibinh data set goes only into an empty one.")
    plan = plan_for(members)
    builder = _Builder(session, seed, plan, password, today or date.today(), progress)
    builder.organizations()
    builder.office_accounts()
    builder.members()
    for seeder in registry().province_seeders + registry().last_province_seeders:
        builder.progress(seeder.__name__, 0, 1)
        count = seeder(session, builder.ctx)
        # A seeder returns its row count, or a count per table it filled.
        builder.counts.update(count if isinstance(count, dict) else {seeder.__name__: count})
    builder.sample_member_logins()
    _reset_sequences(session)
    session.commit()
    # Fresh statistics, so that the query planner knows the tables are big; on PostgreSQL a VACUUM
    # also sets the visibility map, without which subtree counts cannot use index-only scans.
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            tables = ", ".join(t.name for t in db.metadata.sorted_tables)
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text(f"VACUUM ANALYZE {tables}"))
        else:
            conn.execute(text("ANALYZE"))
            conn.commit()
    return SeedResult(plan, time.perf_counter() - started, builder.counts, builder.samples)
