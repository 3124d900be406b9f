"""Values kept for a while in each worker process: a TTL cache per name, stored on the app."""
import threading

from cachetools import TTLCache
from flask import current_app

_LOCK = threading.Lock()  # cachetools' caches are not thread-safe, and a threaded server shares them


def kept(name: str, key, compute, seconds: int, maxsize: int = 10_000):
    """The value of ``key`` in the cache ``name``, computed by ``compute()`` when missing or older than
    ``seconds`` (0: always computed). Callers put in ``key`` whatever must change the value at once."""
    if not seconds:
        return compute()
    with _LOCK:
        cache = current_app.extensions.get(f"cache:{name}")
        if cache is None or cache.ttl != seconds:
            cache = current_app.extensions[f"cache:{name}"] = TTLCache(maxsize=maxsize, ttl=seconds)
        value = cache.get(key)
    if value is None:
        value = compute()
        with _LOCK:
            cache[key] = value
    return value
