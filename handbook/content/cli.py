"""Operator commands of news and documents: ``flask --app wsgi content ...``."""
import click
from flask.cli import AppGroup

from handbook.extensions import db

content_cli = AppGroup("content", help="Work on news and documents.")


@content_cli.command("extract-text")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many files (default EXTRACT_BATCH).")
@click.option("--retry-failed", is_flag=True, help="Queue the files whose extraction failed again first.")
def extract_text_command(limit, retry_failed):
    """Extract the text of pending uploaded files now, each in a child process with a time bound."""
    from handbook.content.extraction import extract_pending

    counts = extract_pending(db.session, limit=limit, retry_failed=retry_failed)
    click.echo(" ".join(f"{state}={n}" for state, n in counts.items()))
