"""`make run` as a person uses it: the site serves, the scheduler beside it beats, and both stop with it.

The real Makefile recipe runs in a subprocess on a free port, with a database and a scheduler log of
its own (always a temporary SQLite file: the suite's database, SQLite or PostgreSQL, is never
touched). Only the package install is skipped (``make -o .venv/.installed``): ``make test`` has just
done it, and a test must not reinstall packages.
"""
import os
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEADLINE = 60  # seconds for migrations, demo data and the first heartbeat (about 15 s on a 2-core machine)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(tmp_path: Path, port: int) -> subprocess.Popen:
    """``make run`` in a process group of its own (so the test can press Ctrl-C on it), its output in make.log."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'handbook.sqlite'}", UPLOAD_FOLDER=str(tmp_path / "uploads"),
               WEB_CONCURRENCY="1")
    with open(tmp_path / "make.log", "ab") as log:
        return subprocess.Popen(
            ["make", "-o", ".venv/.installed", "run", f"PORT={port}", f"SCHEDULER_LOG={tmp_path / 'scheduler.log'}"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _serves(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _heartbeat(tmp_path: Path) -> tuple[int, str] | None:
    """(pid, beat_at) of the newest scheduler heartbeat in the run's database, if any."""
    path = tmp_path / "handbook.sqlite"
    if not path.exists():
        return None
    with sqlite3.connect(path, timeout=5) as conn:
        try:
            return conn.execute("SELECT pid, beat_at FROM scheduler_heartbeat ORDER BY beat_at DESC LIMIT 1").fetchone()
        except sqlite3.OperationalError:  # the migrations have not made the table yet
            return None


def _wait_until_up(proc, tmp_path: Path, port: int) -> int:
    """Wait until the site answers and a scheduler has beaten; the scheduler's pid."""
    deadline = time.monotonic() + DEADLINE
    beat = None
    while time.monotonic() < deadline and proc.poll() is None:
        beat = beat or _heartbeat(tmp_path)
        if beat and _serves(port):
            return beat[0]
        time.sleep(0.5)
    raise AssertionError(f"not up within {DEADLINE} s (heartbeat {beat}):\n" + _log(tmp_path))


def _log(tmp_path: Path) -> str:
    return "".join((tmp_path / name).read_text(errors="replace")[-3000:] for name in ("make.log", "scheduler.log")
                   if (tmp_path / name).exists())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _stopped(proc, tmp_path: Path, port: int, scheduler_pid: int) -> None:
    """Assert make has ended and taken the web server and the scheduler, with its heartbeat row, along."""
    try:
        proc.wait(timeout=45)
    except subprocess.TimeoutExpired:
        raise AssertionError("make run did not stop:\n" + _log(tmp_path)) from None
    assert not _alive(scheduler_pid), "the scheduler outlived make run"
    assert not _serves(port), "the web server outlived make run"
    try:
        os.killpg(proc.pid, 0)
        left = True
    except ProcessLookupError:
        left = False
    assert not left, "a process of make run is still running"
    assert _heartbeat(tmp_path) is None, "the scheduler left its heartbeat behind"


def test_make_run_serves_beside_a_scheduler_and_stops_both(tmp_path):
    """Does `make run` on a fresh database serve the site and start one scheduler whose heartbeat shows
    within a minute; do Ctrl-C, and on a second start a `kill` of make, stop the server and the scheduler?"""
    port = _free_port()
    proc = _start(tmp_path, port)
    try:
        started = time.monotonic()
        scheduler_pid = _wait_until_up(proc, tmp_path, port)
        print(f"make run up with a heartbeat in {time.monotonic() - started:.1f} s")
        assert "scheduled purge-sessions" in (tmp_path / "scheduler.log").read_text()
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole foreground group
        _stopped(proc, tmp_path, port, scheduler_pid)

        # A service manager stops make alone; make passes SIGTERM on to the recipe's shell.
        proc = _start(tmp_path, port)
        scheduler_pid = _wait_until_up(proc, tmp_path, port)
        proc.terminate()
        _stopped(proc, tmp_path, port, scheduler_pid)
    finally:
        try:  # whatever of make run a failed assertion left running
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
