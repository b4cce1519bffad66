"""The authorization server's issuer identifier (RFC 8414), the same wherever it is shown."""
from flask import current_app, request


def issuer():
    """`OAUTH_ISSUER` when configured, else the request's root URL; no trailing slash.

    Behind a proxy, or where clients must see one fixed name, configure it: the request's URL
    follows the Host header the client sent.
    """
    configured = (current_app.config.get("OAUTH_ISSUER") or "").strip()
    return (configured or request.url_root).rstrip("/")
