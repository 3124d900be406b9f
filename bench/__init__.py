"""Benchmarks at province scale: each figure is a ratio to a floor measured in the same run.

``python -m bench`` (or ``make bench``) seeds the Thái Bình data set into a bench database, then
measures seeding, the admin member list and its accent-free search, the member library search, and
the member home page under gunicorn (``gunicorn.conf.py``, with and without its cache), study's member pages and its ledger and attempts lists (``bench/study.py``), and writes ``bench/results/<timestamp>.md`` and ``.json``. Benchmarks are not tests:
CI never runs them.
"""
