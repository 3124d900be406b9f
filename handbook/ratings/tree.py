"""Where ratings sit in the tree: the grassroots organization whose committee decides and whose quota counts."""
from __future__ import annotations

from sqlalchemy import select

from handbook.organizations.models import Organization
from handbook.scope import path_ids

# The quota is counted and the decision taken at this level (a chi bộ cơ sở is one itself).
DECIDING_KIND = "grassroots"


def grassroots_of(session, org_ids) -> dict[int, int]:
    """For each organization id, the nearest organization of kind "grassroots" on its path, itself
    included; an organization with none above it (a test tree) decides for itself."""
    org_ids = list(org_ids)
    if not org_ids:
        return {}
    paths = dict(session.execute(select(Organization.id, Organization.path).where(Organization.id.in_(org_ids))).all())
    ancestors = {ancestor for path in paths.values() for ancestor in path_ids(path)}
    deciding = set(session.execute(select(Organization.id).where(
        Organization.id.in_(ancestors), Organization.kind == DECIDING_KIND)).scalars())
    result = {}
    for org_id, path in paths.items():
        chain = path_ids(path)
        result[org_id] = next((ancestor for ancestor in reversed(chain) if ancestor in deciding), org_id)
    return result
