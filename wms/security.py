"""Hashing of stored secrets (client secrets and passwords), with werkzeug; comparing the
secrets a request sends back (CSRF and auth tokens) in constant time."""
import hmac
import secrets

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash


def hash_secret(plain):
    return generate_password_hash(plain, method=current_app.config["SECRET_HASH_METHOD"])


def check_secret(hashed, plain):
    return bool(hashed) and check_password_hash(hashed, plain)


def same_secret(sent, expected):
    """Whether `sent` (anything a request held) is the non-empty string `expected`, compared in
    constant time."""
    return (isinstance(sent, str) and isinstance(expected, str) and bool(expected)
            and hmac.compare_digest(sent.encode(), expected.encode()))


def new_client_secret():
    """40 characters, as Passport's."""
    return secrets.token_urlsafe(30)
