"""Gunicorn settings for `make run`, production and the bench (`gunicorn -c gunicorn.conf.py wsgi:app`).

Synchronous workers, two per CPU: the app is CPU-bound Python, and on the 2-core machines measured
(`make bench`) processes kept the member home's p99 at 32–40 ms under 16 connections where
2 workers × 4 threads ranged from 56 to 110 ms (threads contend for the GIL). A synchronous worker
is held by a slow client, so in production it sits behind a buffering proxy (nginx), as gunicorn's
documentation advises. WEB_CONCURRENCY overrides the count.
"""
import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:5000")
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count())
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))  # a whole-province export takes seconds, not minutes
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
