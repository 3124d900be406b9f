"""Password guessing and the security limits: counted atomically, shared by every worker, and never
turned against the owner of an account (issue 9, items 3 and 4).

The attacks are the ones seen on the demo: concurrent wrong passwords all checked, five wrong
passwords by anyone locking the owner out, 60 re-authentication guesses in 5 s, and limits kept in
each gunicorn worker's memory letting 32 failed logins and 80 exports through limits of 10.
"""
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from audit_support import entries_since, last_id
from handbook.auth.models import User
from handbook.auth.sessions import UserSession
from handbook.clock import utcnow
from handbook.throttle import Throttle
from support import PASSWORD, AuthActions, csrf_token

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The Redis-backed leg uses a database number of its own and flushes only that one.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
WRONG = "doan-mo-123"


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    """Report a redirect as it is instead of following it."""

    def redirect_request(self, *args, **kwargs):
        return None


class Visitor:
    """One browser against a real server: its own cookies, redirects not followed."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _KeepRedirects)

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        """GET ``path`` (POST ``data`` when given); the status and the body."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base_url + path, data=body, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def token(self, path: str = "/login") -> str:
        """The CSRF token of the form on ``path``."""
        _status, html = self.request(path)
        return re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html).group(1)

    def login(self, login: str, password: str, token: str | None = None) -> int:
        """Post the login form; the status."""
        data = {"login": login, "password": password, "csrf_token": token or self.token()}
        return self.request("/login", data)[0]


def _user_row(dbq, user_id):
    """The account as saved now."""
    return dbq(lambda s: s.get(User, user_id))


def _count_password_checks(monkeypatch, user):
    """Count the checks of ``user``'s password, in every thread of this process."""
    checks, lock = [], threading.Lock()
    original = User.check_password

    def counting(self, password):
        if self.id == user.id:
            with lock:
                checks.append(password)
        return original(self, password)

    monkeypatch.setattr(User, "check_password", counting)
    return checks


def test_concurrent_wrong_passwords_are_counted_exactly_and_held_to_the_limit(app, live_server, make, tree, dbq, monkeypatch):
    """Can 24 simultaneous wrong passwords from new devices get more than the limit of 5 checked, or
    lose a failure from the count, or lock the owner out of the device they use?"""
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_LIMIT", "5/15minutes")
    owner = make.user("secretary", tree["B2"], make.member(tree["B2"]))
    phone = Visitor(live_server)
    assert phone.login(owner.login, PASSWORD) == 302  # the owner's own device, known from now on
    checks = _count_password_checks(monkeypatch, owner)
    since = last_id(dbq)

    attackers = [Visitor(live_server) for _ in range(24)]
    tokens = [a.token() for a in attackers]
    start = threading.Barrier(len(attackers))

    def guess(i):
        start.wait()
        return attackers[i].login(owner.login, f"{WRONG}-{i}", tokens[i])

    with ThreadPoolExecutor(len(attackers)) as pool:
        codes = list(pool.map(guess, range(len(attackers))))

    assert sorted(set(codes)) == [401, 429] and codes.count(401) == 5, codes
    assert len(checks) == 5  # the refused 19 never reached the password
    assert _user_row(dbq, owner.id).failed_logins == 5
    entries = entries_since(dbq, since)
    assert sorted(e.action for e in entries) == ["login_failed"] * 5 + ["login_locked"] * 19
    assert sorted(e.detail["failures"] for e in entries if e.action == "login_failed") == [1, 2, 3, 4, 5]

    # A new device, even with the right password, waits; the owner's own device logs in.
    stranger = Visitor(live_server)
    status, html = stranger.request("/login", {"login": owner.login, "password": PASSWORD, "csrf_token": stranger.token()})
    assert status == 429 and "Nhập sai mật khẩu quá nhiều lần" in html and "Vui lòng thử lại sau 15 phút" in html
    assert len(checks) == 5
    assert phone.request("/logout", {"csrf_token": phone.token("/")})[0] == 302
    assert phone.login(owner.login, PASSWORD) == 302
    assert _user_row(dbq, owner.id).failed_logins == 0


def test_strangers_five_wrong_passwords_do_not_lock_the_owner_out(app, make, tree, dbq, monkeypatch):
    """Can five wrong passwords typed by a stranger keep the owner out of the device they always use?"""
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_ADDRESS_LIMIT", "5/15minutes")
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_LIMIT", "5/15minutes")
    owner = make.user("member", tree["B1"], make.member(tree["B1"]))
    laptop = app.test_client()
    assert AuthActions(laptop).login(owner).status_code == 302
    AuthActions(laptop).logout()

    stranger = app.test_client()
    token = csrf_token(stranger)
    env = {"REMOTE_ADDR": "10.9.9.9"}
    codes = [stranger.post("/login", data={"login": owner.login, "password": WRONG, "csrf_token": token},
                           environ_base=env).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    assert _user_row(dbq, owner.id).failed_logins == 5

    # Another new device of the owner's, at the owner's own address, is slowed too (the account's limit)…
    other = app.test_client()
    assert AuthActions(other).login(owner).status_code == 429
    # …but the laptop the owner used before is judged by its own counter only.
    assert AuthActions(laptop).login(owner).status_code == 302
    assert _user_row(dbq, owner.id).failed_logins == 0


def test_known_device_cookie_is_the_accounts_own_and_cannot_be_forged(app, make, tree, monkeypatch):
    """Is the known-device cookie long-lived, HttpOnly and SameSite=Lax, and does another account's or
    a forged one buy nothing?"""
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_LIMIT", "2/15minutes")
    owner = make.user("member", tree["B1"], make.member(tree["B1"]))
    other = make.user("member", tree["B1"], make.member(tree["B1"]))
    client = app.test_client()
    r = AuthActions(client).login(other)
    [cookie] = [c for c in r.headers.getlist("Set-Cookie") if c.startswith(f"known_device_{other.id}=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and f"Max-Age={365 * 86400}" in cookie
    AuthActions(client).logout()
    # The other account's cookie under the owner's name, and a made-up one: both worth nothing.
    value = client.get_cookie(f"known_device_{other.id}").value
    client.set_cookie(f"known_device_{owner.id}", value)
    assert [AuthActions(client).login(owner, password=WRONG).status_code for _ in range(3)] == [401, 401, 429]
    client.set_cookie(f"known_device_{owner.id}", value[:-4] + "AAAA")
    assert AuthActions(client).login(owner).status_code == 429


def test_reauth_guesses_are_refused_after_the_limit(app, make, tree, dbq, monkeypatch):
    """Can a logged-in session guess the password at /me/reauth 60 times in a few seconds, as it could?"""
    monkeypatch.setitem(app.config, "LOGIN_DEVICE_LIMIT", "5/15minutes")
    user = make.user("member", tree["B1"], make.member(tree["B1"]))
    client = app.test_client()
    AuthActions(client).login(user)
    token = csrf_token(client, "/me/reauth")
    before = dbq(lambda s: s.execute(select(UserSession.authenticated_at).where(UserSession.user_id == user.id)).scalar_one())
    since = last_id(dbq)
    codes = [client.post("/me/reauth", data={"password": f"{WRONG}-{i}", "csrf_token": token}).status_code for i in range(60)]
    assert codes == [401] * 5 + [429] * 55
    r = client.post("/me/reauth", data={"password": PASSWORD, "csrf_token": token})  # the right one, too late
    assert r.status_code == 429 and "Vui lòng thử lại sau 15 phút" in r.get_data(as_text=True)
    assert _user_row(dbq, user.id).failed_logins == 5
    after = dbq(lambda s: s.execute(select(UserSession.authenticated_at).where(UserSession.user_id == user.id)).scalar_one())
    assert after == before  # the session was not re-authenticated
    entries = entries_since(dbq, since, "reauth_failed")
    assert len(entries) == 61 and [e.detail.get("limit") for e in entries].count("login-device") == 56


def test_password_change_guesses_count_towards_the_same_limit(app, make, tree, dbq, monkeypatch):
    """Do wrong passwords at /me/password, /me/reauth and the login all draw on one limit, so that
    spreading guesses over the three pages buys nothing, and the password stays unchanged?"""
    monkeypatch.setitem(app.config, "LOGIN_DEVICE_LIMIT", "5/15minutes")
    user = make.user("member", tree["B1"], make.member(tree["B1"]))
    client = app.test_client()
    AuthActions(client).login(user)
    old_hash = _user_row(dbq, user.id).password_hash
    token = csrf_token(client, "/me/password")

    def change(current):
        return client.post("/me/password", data={"current": current, "new": "mat-khau-moi-9", "confirm": "mat-khau-moi-9",
                                                  "csrf_token": token}).status_code

    def reauth(password):
        return client.post("/me/reauth", data={"password": password, "csrf_token": token}).status_code

    assert [change(WRONG), change(WRONG), reauth(WRONG), reauth(WRONG)] == [400, 400, 401, 401]
    AuthActions(client).logout()
    assert AuthActions(client).login(user, password=WRONG).status_code == 401
    assert AuthActions(client).login(user).status_code == 429  # five failures on three pages: the limit
    assert _user_row(dbq, user.id).password_hash == old_hash and _user_row(dbq, user.id).failed_logins == 5


def test_nightly_purge_deletes_only_ended_counters(app, dbq):
    """Does the purge-throttle job delete counters whose window ended, and keep the running ones?"""
    now = utcnow()

    def add(s):
        s.add_all([Throttle(key="ended-test-row", name="test", hits=3, window_end=now - timedelta(minutes=1)),
                   Throttle(key="running-test-row", name="test", hits=3, window_end=now + timedelta(hours=1))])
        s.commit()

    dbq(add)
    result = app.test_cli_runner().invoke(args=["jobs", "run", "purge-throttle"])
    assert result.exit_code == 0 and "purge-throttle: {'deleted'" in result.output
    keys = dbq(lambda s: set(s.execute(select(Throttle.key).where(Throttle.name == "test")).scalars()))
    assert keys == {"running-test-row"}


def test_a_redis_outage_neither_opens_the_limits_nor_fails_logins(app, client, make, tree, dbq, monkeypatch):
    """With REDIS_URL set and Redis down, do guesses still count (in the database) and get refused at the
    limit, with a 401 / 429 rather than a 500?"""
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{_free_port()}/0")  # nothing listens
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_ADDRESS_LIMIT", "3/minute")
    user = make.user("member", tree["B1"], make.member(tree["B1"], "Lê Văn Mất Kết Nối"))
    codes = [AuthActions(client).login(user, password=WRONG).status_code for _ in range(5)]
    assert codes == [401, 401, 401, 429, 429]
    assert _user_row(dbq, user.id).failed_logins == 3
    assert dbq(lambda s: s.execute(select(func.count()).select_from(Throttle)
                                   .where(Throttle.name.like("login%"))).scalar()) > 0


# -- two gunicorn workers ---------------------------------------------------------------------------

def _free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_gunicorn(database_url: str, redis_url: str | None, log_path: str):
    """Two sync gunicorn workers serving wsgi:app on the test database; the process and its URL."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "throttle-test", "SECURE_COOKIES": "0",
           "LOGIN_RATE_LIMIT": "10/minute", "EXPORT_RATE_LIMIT": "10/minute",
           # The per-address limit is the one under test: the account limits stay out of its way.
           "LOGIN_ACCOUNT_ADDRESS_LIMIT": "1000/minute", "LOGIN_ACCOUNT_LIMIT": "1000/minute"}
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    proc = subprocess.Popen(
        [gunicorn, "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{port}", "--access-logfile", log_path,
         "--access-logformat", "%(p)s %(m)s %(U)s %(s)s", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"gunicorn stopped: {proc.stderr.read()}")
        try:
            if Visitor(base).request("/healthz")[0] == 200 and _both_workers_answer(base, log_path, deadline):
                return proc, base
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError("gunicorn's two workers did not answer within 90 s")


def _both_workers_answer(base: str, log_path: str, deadline: float) -> bool:
    """Wait until each of the two workers has answered a request: on a loaded machine the second one
    boots late, and one worker alone answering every request would prove nothing about sharing limits."""
    while time.time() < deadline:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda _: Visitor(base).request("/healthz"), range(8)))
        with open(log_path) as log:
            if len({line.split()[0] for line in log if "/healthz" in line}) >= 2:
                return True
        time.sleep(0.2)
    return False


def _stop(proc) -> None:
    """Stop gunicorn and its workers (their own process group)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.mark.parametrize("backend", ["database", "redis"])
def test_limits_hold_across_two_gunicorn_workers(app, make, tree, dbq, backend):
    """With two gunicorn workers, can 32 failed logins get through a limit of 10 per minute, or 80
    exports through 10 per minute, as they did when each worker counted in its own memory?"""
    redis_url = None
    if backend == "redis":
        import redis

        redis_url = TEST_REDIS_URL
        redis.Redis.from_url(redis_url).flushdb()
    committee = make.user("committee", tree["C1"])
    target = make.user("member", tree["B2"], make.member(tree["B2"]))
    log_path = os.path.join(tempfile.mkdtemp(prefix="handbook-gunicorn-"), "access.log")
    proc, base = _start_gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], redis_url, log_path)
    try:
        # Exports: logged in a moment ago (a recent login), then 80 at once.
        staff = Visitor(base)
        assert staff.login(committee.login, PASSWORD) == 302
        with ThreadPoolExecutor(8) as pool:
            exports = list(pool.map(lambda _: staff.request("/admin/organization/export/csv/")[0], range(80)))
        assert set(exports) <= {200, 429} and 1 <= exports.count(200) <= 10, exports

        # Failed logins from one address: 32 at once.
        guesser = Visitor(base)
        token = guesser.token()
        with ThreadPoolExecutor(8) as pool:
            logins = list(pool.map(lambda i: guesser.login(target.login, f"{WRONG}-{i}", token), range(32)))
        assert set(logins) <= {401, 429} and 1 <= logins.count(401) <= 10, logins
        assert _user_row(dbq, target.id).failed_logins == logins.count(401)
    finally:
        _stop(proc)
        if redis_url:
            redis.Redis.from_url(redis_url).flushdb()
    # Both workers answered: the limit held across them, not inside one.
    with open(log_path) as log:
        workers = {line.split()[0] for line in log if " /login " in line or "/export/" in line}
    assert len(workers) == 2, workers
    if backend == "database":
        counted = dbq(lambda s: s.execute(select(func.count()).select_from(Throttle)
                                          .where(Throttle.name.in_(["login-address", "admin-export"]))).scalar())
        assert counted >= 2
