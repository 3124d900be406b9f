"""Data sets: the demo (``flask seed demo``) and the province at scale (``flask seed thaibinh``).

The tree, members and accounts are drawn here; each domain adds its own rows through the seeders
it registered (``registry.add_seeders``), run in the order of ``create_app``'s domains.
"""


def init_app(app):
    """Register the ``seed`` commands."""
    from handbook.seed.cli import seed_cli

    app.cli.add_command(seed_cli)
