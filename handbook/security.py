"""Security headers (a Content-Security-Policy without inline script), rate limits and safe redirects."""
import secrets
from urllib.parse import urlsplit

from flask import abort, current_app, g, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from handbook.throttle import hit, purge_throttle


def csp_nonce() -> str:
    """The nonce of this response, made on first use; Flask-Admin puts it on its own script tags."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy() -> str:
    """The policy: scripts only from this site (or carrying this response's nonce), no framing."""
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{csp_nonce()}'",
        # Flask-Admin's widgets (select2, the date picker) set style attributes from script.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def _set_headers(response):
    """Put the security headers on every response; HSTS only when served over HTTPS. Nothing an
    authenticated user is sent (pages, exports, files) is kept by a browser or proxy cache; static
    assets, the web manifest and the service worker keep their own caching."""
    response.headers.setdefault("Content-Security-Policy", content_security_policy())
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("HSTS_SECONDS") and (request.is_secure or current_app.config.get("FORCE_HSTS")):
        response.headers.setdefault("Strict-Transport-Security", f"max-age={int(current_app.config['HSTS_SECONDS'])}; includeSubDomains")
    endpoint = request.endpoint or ""
    asset = endpoint == "static" or endpoint.endswith(".static") or endpoint in ("home.manifest", "home.service_worker")
    if not asset and current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    return response


def check_rate(name: str, limit_key: str) -> None:
    """Count one hit of an expensive endpoint for the current user, in counters every worker shares;
    429 past the configured limit."""
    who = str(current_user.get_id()).split(".")[0] if current_user.is_authenticated else get_remote_address()
    if hit(name, who, current_app.config[limit_key]):
        abort(429)


def safe_next(target: str | None, default: str) -> str:
    """Return ``target`` if it is a path on this site, else ``default`` (no open redirects)."""
    if not target:
        return default
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def init_app(app) -> None:
    """Register the purge of the rate-limit counters and the headers."""
    # The limits are handbook.throttle's counters, shared by every worker: no Flask-Limiter instance
    # is bound, as it limited nothing yet cost every request a check (about 5% of a member page).
    from handbook.registry import add_jobs

    add_jobs(app, purge_throttle)
    app.after_request(_set_headers)
