"""Static files: content-hashed URLs, long cache lifetimes, compressed responses."""
import hashlib
import os

from flask import Flask, current_app, has_request_context, request, send_from_directory, url_for

# A year: the URL changes whenever the content does, so a cached copy is never stale.
IMMUTABLE = "public, max-age=31536000, immutable"
# The icon browsers ask for at /favicon.ico on their own (the back office and any page without a
# <link rel="icon">): the app's PNG icon, which every current browser takes under that name.
FAVICON = "icons/icon-192.png"
# Its URL never changes, so it cannot be immutable: a month, after which a changed icon shows.
FAVICON_MAX_AGE = 30 * 24 * 3600


def file_hashes(static_folder: str) -> dict[str, str]:
    """Hash every file under the static folder once: {relative path: short content hash}."""
    hashes = {}
    for root, _dirs, files in os.walk(static_folder):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()[:12]
            hashes[os.path.relpath(path, static_folder).replace(os.sep, "/")] = digest
    return hashes


def static_url(filename: str) -> str:
    """URL of a static file carrying its content hash (``?v=``), so it can be cached for a year; built
    once per process and mount point, as every page asks for the same few."""
    key = (request.script_root if has_request_context() else None, filename)
    urls = current_app.extensions["static_urls"]
    url = urls.get(key)
    if url is None:
        version = current_app.extensions["static_hashes"].get(filename)
        url = urls[key] = url_for("static", filename=filename, v=version) if version else url_for("static", filename=filename)
    return url


def static_version() -> str:
    """One hash over all static files: it changes when any of them does (the service worker's cache name)."""
    hashes = current_app.extensions["static_hashes"]
    joined = "".join(f"{name}:{hashes[name]};" for name in sorted(hashes))
    return hashlib.sha256(joined.encode()).hexdigest()[:12]


def _cache_headers(response):
    """Our own static files asked for by their current hash are immutable; any other version is revalidated."""
    if request.endpoint == "static" and response.status_code in (200, 304):
        filename = (request.view_args or {}).get("filename")
        current = current_app.extensions["static_hashes"].get(filename)
        if current is not None and request.args.get("v") == current:
            response.headers["Cache-Control"] = IMMUTABLE
        else:
            response.headers["Cache-Control"] = "no-cache"
    return response


def favicon():
    """The app's icon at the address browsers ask for by themselves."""
    return send_from_directory(current_app.static_folder, FAVICON, mimetype="image/png", max_age=FAVICON_MAX_AGE)


def init_app(app: Flask) -> None:
    """Hash the static files, register ``static_url`` for templates, the cache headers and /favicon.ico."""
    from handbook.extensions import compress

    app.extensions["static_hashes"] = file_hashes(app.static_folder)
    app.extensions["static_urls"] = {}  # (mount point, file) -> URL, filled by static_url
    app.add_url_rule("/favicon.ico", "favicon", favicon)
    app.jinja_env.globals["static_url"] = static_url
    app.after_request(_cache_headers)
    compress.init_app(app)
