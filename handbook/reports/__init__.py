"""Reports: the monthly statistics every domain registers its figures into, their files and the dashboard."""


def init_app(app):
    """Register the statistics' own figures, job, commands, screens and dashboard."""
