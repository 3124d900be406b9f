"""``flask --app wsgi members import FILE [--dry-run] [--org CODE] [--out DIR]``: the register import from a terminal."""
from __future__ import annotations

import os
import re
import shutil
import zipfile

import click
from flask.cli import AppGroup
from sqlalchemy import select

from handbook.extensions import db

members_cli = AppGroup("members", help="Bring party members in from the branch register.")


def estimate_rows(path: str) -> int | None:
    """About how many rows a file has, for the progress bar (None when the file does not say): an xlsx's
    declared dimension (read_only openpyxl would read the whole sheet to tell), a csv's lines."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                sheets = sorted(n for n in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
                with archive.open(sheets[0]) as sheet:
                    head = sheet.read(4096).decode("utf-8", "replace")
            match = re.search(r'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', head)
            return int(match.group(1)) if match else None
        with open(path, "rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    except (OSError, IndexError, zipfile.BadZipFile, ValueError):  # only an estimate: the import says what is wrong
        return None


@members_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check every row and list the errors; write nothing.")
@click.option("--org", "org_code", default=None, help="Import only into this organization's subtree (its code).")
@click.option("--out", "out_dir", default=".", show_default=True, type=click.Path(file_okay=False),
              help="Where the activation sheet (PDF) and messages (xlsx) of the new accounts are written.")
@click.option("--url", "activation_url", default="https://sotay.example.vn/activate", show_default=True,
              help="The activation page's address, written in the messages.")
@click.option("--errors", "shown_errors", default=50, show_default=True, help="How many errors to print.")
def members_import(path, dry_run, org_code, out_dir, activation_url, shown_errors):
    """Import (or with --dry-run, check) the members of register PATH (.xlsx or .csv): all rows or none."""
    from handbook.organizations.models import Organization
    from handbook.roster.models import MemberImport
    from handbook.roster.runner import execute, new_stored_name, stored_path
    from handbook.scope import Scope

    session = db.session
    scope, org = Scope(role="admin"), None
    if org_code:
        org = session.execute(select(Organization).where(Organization.code == org_code.strip().upper())).scalar()
        if org is None:
            raise click.UsageError(f"No organization has code {org_code}.")
        scope = Scope(role="committee", org_path=org.path)
    if org is None:
        org = session.execute(select(Organization).where(Organization.parent_id.is_(None)).order_by(Organization.id)).scalar()
    kind = "xlsx" if zipfile.is_zipfile(path) else "csv"
    stored = new_stored_name(kind)
    shutil.copyfile(path, stored_path(stored))
    item = MemberImport(organization_id=org.id if org else None, filename=os.path.basename(path)[:200], stored_name=stored,
                        size=os.path.getsize(path), status="applying" if not dry_run else "checking")
    session.add(item)
    session.commit()
    label = "Checking" if dry_run else "Importing"
    with click.progressbar(length=estimate_rows(path) or 0, label=label, show_pos=True, file=click.get_text_stream("stderr")) as bar:
        done = [0]

        def advance(rows: int) -> None:
            bar.update(rows - done[0])
            done[0] = rows

        result = execute(item.id, scope, write=not dry_run, activation_url=activation_url, progress=advance)
    item = session.get(MemberImport, item.id)
    if result is None:
        click.echo(item.message, err=True)
        raise SystemExit(2)
    summary = result.summary()
    verb = "would create" if dry_run or not result.ok else "created"
    click.echo(f"{result.rows} rows: {verb} {summary['created']} members, updated {summary['updated']} "
               f"({summary['transferred']} transferred), {summary['unchanged']} unchanged, {summary['accounts']} new accounts.")
    if summary["ignored"]:
        click.echo("Ignored columns: " + ", ".join(summary["ignored"]))
    if not result.ok:
        for error in result.errors[:shown_errors]:
            click.echo(str(error), err=True)
        click.echo(f"{result.error_count} errors; nothing was written.", err=True)
        raise SystemExit(1)
    if result.applied and item.sheet_name:
        os.makedirs(out_dir, exist_ok=True)
        for name, target in ((item.sheet_name, "phieu-kich-hoat"), (item.messages_name, "tin-nhan-kich-hoat")):
            destination = os.path.join(out_dir, f"{target}-{item.id}{os.path.splitext(name)[1]}")
            shutil.copyfile(stored_path(name), destination)
            click.echo(f"Wrote {destination}")
    for phase, seconds in result.seconds.items():
        click.echo(f"{phase}: {seconds:.1f} s", err=True)
