"""What every request and response share, wired in create_app (README "Production"):

- a request id: the caller's `X-Request-Id` when it is a short token of safe characters, else a
  new one; returned in `X-Request-Id` and named in every log line about the request;
- one log line per request on the `wms.request` logger: id, method, path (never the query
  string), status, duration, and the client and user of the token it came with; never a
  token, secret or password;
- security headers on every response, and the page headers (CSP, framing) on HTML pages.
"""
import logging
import re
import secrets
import time
import uuid
from urllib.parse import quote

from flask import g, request

log = logging.getLogger("wms.request")

REQUEST_ID_HEADER = "X-Request-Id"
# What an X-Request-Id may be to be kept: UUIDs, nginx's $request_id, most tracing ids.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=+/-]{0,127}")
# Path segments this long are ids of secrets' rows (a token's 80-character jti): the log shows
# their start only, as the wms.tokens lines do.
_LONG_SEGMENT = 32
_SHOWN = 8

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# Unless a view says otherwise (the JWKS may be cached), no answer is stored: they carry
# tokens, users and warehouse data that only their caller may see.
DEFAULT_CACHE_CONTROL = "no-store"
# The sign-in and consent pages: their one inline style is allowed by a nonce; no scripts,
# never framed by another site (clickjacking). No form-action: the consent form's answer
# redirects to the client's site, which a form-action of 'self' would block in browsers.
PAGE_CSP = ("default-src 'none'; style-src 'nonce-{nonce}'; base-uri 'none'; "
            "frame-ancestors 'none'")
# /docs (Swagger UI): its scripts, styles and images from this server only (inline styles by
# the nonce; the data: images of its stylesheet), its calls to this server only.
DOCS_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; "
            "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'")


def init_http(app):
    """Register first, so that the id and clock start before any other hook can refuse the
    request, and the log line is written after every other hook changed the response."""
    app.before_request(_start)
    app.after_request(_finish)
    app.jinja_env.globals["csp_nonce"] = csp_nonce


def request_id():
    """The current request's id."""
    if "request_id" not in g:
        sent = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = sent if _SAFE_REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex
    return g.request_id


def identify(client_id=None, user_id=None):
    """Record who the request acts for (the guard calls it), for its log line: read now, since
    a rollback later would expire the token's row."""
    g.caller = (client_id, user_id)


def csp_nonce():
    """The nonce of the page's inline style (templates call it)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _start():
    g.request_started = time.perf_counter()
    request_id()


def _finish(response):
    headers = response.headers
    headers[REQUEST_ID_HEADER] = request_id()
    for name, value in SECURITY_HEADERS.items():
        headers.setdefault(name, value)
    headers.setdefault("Cache-Control", DEFAULT_CACHE_CONTROL)
    if response.mimetype == "text/html":
        # A page may set its own (/docs); the default allows no script.
        headers.setdefault("Content-Security-Policy", PAGE_CSP.format(nonce=csp_nonce()))
        headers["X-Frame-Options"] = "DENY"
    _log(response)
    return response


def _log(response):
    started = g.get("request_started")
    duration = (time.perf_counter() - started) * 1000 if started is not None else 0.0
    client_id, user_id = g.get("caller", (None, None))
    log.info("request_id=%s method=%s path=%s status=%d duration_ms=%.1f client=%s user=%s "
             "ip=%s", request_id(), quote(request.method, safe=""), loggable_path(request.path),
             response.status_code, duration, _or_dash(client_id), _or_dash(user_id),
             quote(request.remote_addr or "-", safe=":.-"))


def loggable_path(path):
    """The path as a log shows it: percent-encoded again (no line breaks or spaces from the
    request end up in the log), long segments cut to their start."""
    segments = [segment if len(segment) <= _LONG_SEGMENT else f"{segment[:_SHOWN]}..."
                for segment in path.split("/")]
    return quote("/".join(segments), safe="/:@!$&'()*+,;=-._~")


def _or_dash(value):
    return "-" if value is None else value
