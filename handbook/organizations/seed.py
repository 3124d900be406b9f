"""The organization tree's year in the province data set: a few recorded moves (the 2025 mergers),
and the members' own year: moves to another branch and changes of status, recorded as they happen."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update

from handbook.auth.models import User
from handbook.bulk import insert_rows
from handbook.clock import local_now
from handbook.organizations.models import Discipline, Member, MemberChange, OrganizationMove, path_segment

# Of the members in the party, the share who move to another branch during the year, and the share
# whose status changes (transferred out of the province, deceased, or made official).
MOVED_SHARE = 0.01
RESTATED_SHARE = 0.003
# A move stays within the grassroots organization this often; otherwise within the committee.
MOVES_WITHIN_GRASSROOTS = 0.7
# How the changes of status split: (from, to, weight).
# About one member in a thousand is disciplined in a year, mostly by reprimand.
DISCIPLINED_SHARE = 0.001
DISCIPLINE_FORMS_WEIGHTED = (("reprimand", 0.7), ("warning", 0.25), ("dismissal", 0.05))
DISCIPLINE_REASONS = (
    "Vi phạm quy định về những điều đảng viên không được làm",
    "Không thực hiện nhiệm vụ được chi bộ phân công",
    "Vi phạm nguyên tắc tập trung dân chủ",
    "Thiếu trách nhiệm trong thực hiện nhiệm vụ chuyên môn",
)
RESTATEMENTS = (("official", "transferred", 0.4), ("official", "deceased", 0.3), ("probationary", "official", 0.3))


def seed_organization_moves(session, ctx) -> int:
    """A few branches (or grassroots organizations) moved to a sibling parent during the year (the 2025 mergers)."""
    index = {org_id: i for i, org_id in enumerate(ctx.org_ids)}
    children: dict[int | None, list[int]] = {}
    for org_id, parent_id in zip(ctx.org_ids, ctx.org_parent_ids):
        children.setdefault(parent_id, []).append(org_id)
    candidates = ctx.ids_of_kind("branch") + ctx.ids_of_kind("grassroots")
    ctx.rng.shuffle(candidates)
    admin = (ctx.accounts.get("admin") or [None])[0]
    rows = []
    for org_id in candidates:
        parent_id = ctx.org_parent_ids[index[org_id]]
        grandparent_id = ctx.org_parent_ids[index[parent_id]]
        siblings = [p for p in children.get(grandparent_id, []) if p != parent_id]
        if not siblings:
            continue
        old_parent = ctx.rng.choice(siblings)
        rows.append({
            "organization_id": org_id, "from_parent_id": old_parent, "to_parent_id": parent_id,
            "from_path": ctx.org_paths[index[old_parent]] + path_segment(org_id),
            "to_path": ctx.org_paths[index[org_id]], "moved_at": ctx.random_time(), "moved_by_id": admin,
        })
        if len(rows) == 8:
            break
    rows.sort(key=lambda row: row["moved_at"])
    for i, row in enumerate(rows, start=1):
        row["id"] = i
    insert_rows(session, OrganizationMove.__table__, rows)
    return len(rows)


def _branch_choices(ctx) -> dict[int, tuple[list[int], list[int]]]:
    """For each branch: (the other branches of its grassroots organization, those of the rest of its committee)."""
    parent_of = dict(zip(ctx.org_ids, ctx.org_parent_ids))
    branches = ctx.ids_of_kind("branch")
    by_parent: dict[int, list[int]] = {}
    by_committee: dict[int, list[int]] = {}
    for branch in branches:
        by_parent.setdefault(parent_of[branch], []).append(branch)
        by_committee.setdefault(parent_of.get(parent_of[branch]), []).append(branch)
    choices = {}
    for branch in branches:
        parent = parent_of[branch]
        near = [b for b in by_parent[parent] if b != branch]
        far = [b for b in by_committee[parent_of.get(parent)] if parent_of[b] != parent]
        choices[branch] = (near, far)
    return choices


def _time_on(day, ctx, rng: random.Random) -> datetime:
    """A working-hours moment of ``day``, kept inside the seeded year."""
    moment = datetime.combine(day, datetime.min.time()) + timedelta(hours=1 + rng.random() * 9)
    return min(max(moment, ctx.start), ctx.end - timedelta(seconds=1))


def seed_member_changes(session, ctx) -> dict[str, int]:
    """About 1% of the members move to another branch of their grassroots organization or committee
    and 0.3% change status during the year, each recorded in ``member_change`` at its moment and
    the member rows (and member accounts' scope) brought up to date, in a few set-based statements.

    Only rank-and-file members move or leave (a branch keeps its secretary and officers); those who
    leave are chosen among members without an account, so nobody signs in after leaving. Becoming
    official is recorded for members whose official date fell in the year: their rows say so already."""
    # A generator of its own, drawn once from the data set's: the other domains' rows stay as they were.
    rng = random.Random(ctx.rng.getrandbits(64))
    with_account = set(ctx.account_member_ids.values())
    rows = session.execute(select(Member.id, Member.organization_id, Member.status, Member.position, Member.official_on)
                           .order_by(Member.id)).all()
    counted = [row for row in rows if row.status in ("official", "probationary", "exempt") and row.position == "member"]
    choices = _branch_choices(ctx)

    moves, moved_to = [], {}
    for row in rng.sample(counted, round(MOVED_SHARE * len(counted))):
        near, far = choices.get(row.organization_id, ((), ()))
        pool = near if near and (not far or rng.random() < MOVES_WITHIN_GRASSROOTS) else far
        if not pool:
            continue
        target = rng.choice(pool)
        moved_to[row.id] = target
        moves.append({"member_id": row.id, "changed_at": ctx.random_time(), "from_organization_id": row.organization_id,
                      "to_organization_id": target, "from_status": None, "to_status": None, "changed_by_id": None})

    start_day, end_day = ctx.start.date(), ctx.end.date()
    pools = {
        "official": [r for r in counted if r.status == "official" and r.id not in moved_to and r.id not in with_account
                     and not (r.official_on and start_day <= r.official_on < end_day)],
        # Made official during the year: probationary until their official date.
        "probationary": [r for r in counted if r.status == "official" and r.id not in moved_to
                         and r.official_on and start_day <= r.official_on < end_day],
    }
    restatements, left = [], {}
    total = round(RESTATED_SHARE * len(counted))
    taken: set[int] = set()
    for before, after, weight in RESTATEMENTS:
        pool = [r for r in pools[before] if r.id not in taken]
        for row in rng.sample(pool, min(len(pool), round(weight * total))):
            taken.add(row.id)
            if before == "probationary":
                at = _time_on(row.official_on, ctx, rng)
            else:
                at = ctx.random_time()
                left[row.id] = (after, at)
            restatements.append({"member_id": row.id, "changed_at": at, "from_organization_id": None,
                                 "to_organization_id": None, "from_status": before, "to_status": after,
                                 "changed_by_id": None})

    changes = sorted(moves + restatements, key=lambda change: (change["changed_at"], change["member_id"]))
    first_id = (session.execute(select(MemberChange.id).order_by(MemberChange.id.desc()).limit(1)).scalar() or 0) + 1
    for i, change in enumerate(changes, start=first_id):
        change["id"] = i
    insert_rows(session, MemberChange.__table__, changes)

    # The members as they are now: in their new branch, or with their new status, changed when it changed.
    table, accounts = Member.__table__, User.__table__
    if moves:
        session.execute(update(table).where(table.c.id == bindparam("b_id"))
                        .values(organization_id=bindparam("b_org"), updated_at=bindparam("b_at")),
                        [{"b_id": m["member_id"], "b_org": m["to_organization_id"], "b_at": m["changed_at"]}
                         for m in moves])
        # A member's account is scoped to their branch: it follows them.
        session.execute(update(accounts).where(accounts.c.member_id == bindparam("b_id"), accounts.c.role == "member")
                        .values(organization_id=bindparam("b_org")),
                        [{"b_id": member_id, "b_org": org_id} for member_id, org_id in moved_to.items()])
    if left:
        session.execute(update(table).where(table.c.id == bindparam("b_id"))
                        .values(status=bindparam("b_status"), updated_at=bindparam("b_at")),
                        [{"b_id": member_id, "b_status": status, "b_at": at} for member_id, (status, at) in left.items()])
    # The other domains' seeders place each member's activity in the branch they are in now.
    ctx.member_branch_ids[:] = [moved_to.get(m, b) for m, b in zip(ctx.member_ids, ctx.member_branch_ids)]
    return {"member_change": len(changes)}


def seed_disciplines(session, ctx) -> int:
    """About 0.1% of the members disciplined during the year by their grassroots committee, with a
    decision number and a reason: the rating's "disciplined" evidence has its source."""
    rng = random.Random(ctx.rng.getrandbits(64))
    chosen = rng.sample(ctx.member_ids, round(DISCIPLINED_SHARE * len(ctx.member_ids)))
    forms = [form for form, _ in DISCIPLINE_FORMS_WEIGHTED]
    weights = [weight for _, weight in DISCIPLINE_FORMS_WEIGHTED]
    rows = []
    for n, member_id in enumerate(sorted(chosen), start=1):
        day = local_now(ctx.random_time()).date()
        rows.append({"member_id": member_id, "form": rng.choices(forms, weights)[0], "decided_on": day,
                     "decision_number": f"{n}-QĐ/ĐU", "issuer": "Ban Thường vụ Đảng ủy", "reason": rng.choice(DISCIPLINE_REASONS),
                     "created_at": ctx.random_time(), "version": 1})
    insert_rows(session, Discipline.__table__, rows)
    return len(rows)
