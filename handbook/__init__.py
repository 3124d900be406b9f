"""handbook: the electronic party-member handbook (Sổ tay đảng viên điện tử)."""
import importlib
import importlib.util
import os

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm.exc import StaleDataError

from handbook.clock import TIMEZONE
from handbook.config import Config
from handbook.extensions import babel, csrf, db, login_manager, migrate

# The domains, each a folder ``handbook/<name>/`` whose ``init_app`` plugs it in, in dependency
# order: a domain may use those listed before it. Adding a domain is one line here.
DOMAINS = (
    "organizations",  # the tree and the members
    "auth",  # accounts, login, sessions
    "audit",  # the append-only trail
    "roster",  # members brought in from the branch register, accounts with activation codes
    "privacy",  # /me: own data, corrections, sessions, password
    "study",  # the points ledger (quizzes to come)
    "content",  # news and documents, reading
    "home",  # the member home and the shared member layout
    "reports",  # the monthly statistics, their files and the dashboard
    "ratings",  # the yearly rating of members and organizations
)

MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """SQLite: write-ahead log, wait for locks instead of failing, enforce foreign keys."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(os.environ.get('SQLITE_BUSY_TIMEOUT_MS', '5000'))}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def create_app(config_class=Config, **overrides) -> Flask:
    """Build the app: config, extensions, the house (assets, security, back office), the domains, the jobs."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config_class)
    app.config.update(overrides)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "handbook.sqlite")
    app.json.ensure_ascii = False
    if app.config.get("PROXY_COUNT"):
        # Behind nginx every request comes from 127.0.0.1: take the client's address (login limits,
        # sessions, the audit trail) and scheme from the headers the trusted proxies set.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=lambda: "vi", timezone_selector=lambda: TIMEZONE)
    csrf.init_app(app)

    from handbook import admin, assets, jobs, security, seed

    assets.init_app(app)
    security.init_app(app)
    admin.init_app(app)  # the back office, empty: the domains add their screens
    # Every model is mapped before any screen is built: relationships name models of other domains.
    for name in DOMAINS:
        if importlib.util.find_spec(f"handbook.{name}.models") is not None:
            importlib.import_module(f"handbook.{name}.models")
    for name in DOMAINS:
        importlib.import_module(f"handbook.{name}").init_app(app)
    jobs.init_app(app)  # after the domains: the jobs' screen and commands name every job they registered
    seed.init_app(app)
    _register_error_pages(app)
    return app


ERRORS = {
    400: "Yêu cầu không hợp lệ.",
    403: "Bạn không có quyền truy cập trang này.",
    404: "Không tìm thấy trang hoặc bản ghi.",
    405: "Phương thức không được hỗ trợ.",
    409: "Dữ liệu vừa được người khác thay đổi nên chưa lưu được. Vui lòng tải lại trang và thử lại.",
    413: "Tệp hoặc dữ liệu gửi lên quá lớn.",
    429: "Bạn thao tác quá nhanh. Vui lòng thử lại sau ít phút.",
    500: "Đã có lỗi xảy ra. Vui lòng thử lại sau.",
}


def _register_error_pages(app: Flask) -> None:
    """Every error a person can meet is explained in Vietnamese, as HTML or JSON."""

    def render(code: int, message: str):
        if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
            return {"error": message}, code
        return render_template("error.html", code=code, message=message), code

    for code, message in ERRORS.items():
        app.register_error_handler(code, lambda exc, code=code, message=message: render(code, message))

    @app.errorhandler(CSRFError)
    def csrf_error(_exc):
        """A missing or stale CSRF token: refuse, and tell the person what to do."""
        return render(400, "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang và thử lại.")

    @app.errorhandler(StaleDataError)
    def stale_row(_exc):
        """A row another request changed between this one's read and its write: nothing was saved."""
        db.session.rollback()
        return render(409, ERRORS[409])
