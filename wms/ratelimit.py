"""Rate limits: Flask-Limiter, per client IP, counted in memory or in Redis (README "Rate limits").

A view gets a limit with one decorator naming the configuration variable that holds it:

    @bp.post("/login")
    @rate_limit("LOGIN_RATE_LIMIT")
    def login(): ...

(with `LOGIN_RATE_LIMIT` in config.Config; create_app refuses to start without it). Each limited
route counts on its own. Every request counts, refused ones too (that is what stops guessing), but
not a CORS preflight. Over the limit, wms.errors answers Laravel's throttle response: 429
`{"message": "Too Many Attempts."}` with `Retry-After`; below it, responses carry
`X-RateLimit-Limit` and `X-RateLimit-Remaining`.
"""
import math
import time

from flask import current_app, request
from limits import parse_many

from wms.extensions import limiter

TOO_MANY_ATTEMPTS = "Too Many Attempts."
# Exposed to pages on other origins (CORS), so the web UI can tell how long to wait.
RATE_LIMIT_HEADERS = ["Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining",
                      "X-RateLimit-Reset"]

_config_keys = set()


def rate_limit(config_key):
    """Decorator: limit a view to `app.config[config_key]` requests per client IP, a limits
    string such as "60 per minute" or "10 per minute; 100 per hour" (empty: no limit). The value
    is read on each request, so a test may change it on its app."""
    _config_keys.add(config_key)
    return limiter.limit(lambda: current_app.config[config_key], exempt_when=_is_preflight)


def _is_preflight():
    return request.method == "OPTIONS"


def init_rate_limits(app):
    """Bind the limiter to the app; run after the blueprints are registered, so that every
    decorated view's setting is checked here rather than on its first request."""
    limiter.init_app(app)
    if not app.config["RATELIMIT_ENABLED"]:
        return
    for key in sorted(_config_keys):
        if key not in app.config:
            raise RuntimeError(f"{key} is not configured (a rate limit such as '60 per minute')")
        value = app.config[key]
        try:
            if value:
                parse_many(value)
        except ValueError:
            raise RuntimeError(f"{key}: not a rate limit: {value!r}") from None
    app.after_request(_add_headers)


def _add_headers(response):
    """Laravel's X-RateLimit-Limit and X-RateLimit-Remaining on a limited route's answers."""
    current = limiter.current_limit
    if current is None or current.breached:
        return response  # not limited, or a 429, whose headers throttle_headers() made
    try:
        remaining = current.remaining
    except limiter.storage.base_exceptions:  # failed after counting; the headers are advice
        current_app.logger.warning("rate-limit storage unreachable: no X-RateLimit headers")
        return response
    response.headers["X-RateLimit-Limit"] = str(current.limit.amount)
    response.headers["X-RateLimit-Remaining"] = str(max(remaining, 0))
    return response


def throttle_headers(exc):
    """The headers of a 429 (flask_limiter.RateLimitExceeded), as Laravel sends them: the limit,
    0 remaining, Retry-After in seconds and X-RateLimit-Reset as a Unix time."""
    current = limiter.current_limit
    item = current.limit if current is not None else exc.limit.limit
    retry_after = item.get_expiry()  # a whole window, if the storage cannot say better
    if current is not None:
        try:
            retry_after = max(1, math.ceil(current.window.reset_time - time.time()))
        except limiter.storage.base_exceptions:  # failed after counting: a whole window
            current_app.logger.warning("rate-limit storage unreachable: Retry-After is a window")
    return {
        "X-RateLimit-Limit": str(item.amount),
        "X-RateLimit-Remaining": "0",
        "Retry-After": str(retry_after),
        "X-RateLimit-Reset": str(int(time.time()) + retry_after),
    }
