"""The organization tree's year in the province data set: a few recorded moves (the 2025 mergers)."""
from __future__ import annotations

from handbook.bulk import insert_rows
from handbook.organizations.models import OrganizationMove, path_segment


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
