"""Hashing of stored secrets (client secrets and passwords), with werkzeug; the bcrypt password
hashes of users imported from the legacy Laravel service; comparing the secrets a request sends
back (CSRF and auth tokens) in constant time; the app's secret key."""
import hmac
import secrets
from pathlib import Path

import bcrypt
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash


def hash_secret(plain):
    return generate_password_hash(plain, method=current_app.config["SECRET_HASH_METHOD"])


def check_secret(hashed, plain):
    return bool(hashed) and check_password_hash(hashed, plain)


# Laravel's Hash::make writes `$2y$` (PHP's name for `$2b$`); older bcrypt libraries `$2a$`.
BCRYPT_PREFIXES = ("$2y$", "$2b$", "$2a$")
BCRYPT_MAX_BYTES = 72


def is_legacy_hash(hashed):
    """Whether a stored password is a bcrypt hash (a user imported from the legacy service who
    has not signed in since): the next successful sign-in replaces it with hash_secret's."""
    return isinstance(hashed, str) and hashed.startswith(BCRYPT_PREFIXES)


def check_password(hashed, plain):
    """A user's password against its stored hash: werkzeug's, or a legacy bcrypt one. bcrypt
    reads the first 72 bytes of a password (PHP's password_verify ignores the rest, so the
    legacy service did too; the bcrypt package refuses longer input, so it gets those 72)."""
    if not is_legacy_hash(hashed):
        return check_secret(hashed, plain)
    try:
        return bcrypt.checkpw(plain.encode()[:BCRYPT_MAX_BYTES], hashed.encode())
    except ValueError:  # a damaged hash: no password matches it
        return False


def same_secret(sent, expected):
    """Whether `sent` (anything a request held) is the non-empty string `expected`, compared in
    constant time."""
    return (isinstance(sent, str) and isinstance(expected, str) and bool(expected)
            and hmac.compare_digest(sent.encode(), expected.encode()))


def new_client_secret():
    """40 characters, as Passport's."""
    return secrets.token_urlsafe(30)


SECRET_KEY_FILE = "secret-key"
SECRET_KEY_MIN_LENGTH = 32
# Values published in this project's history: whoever reads the source knows them.
KNOWN_SECRET_KEYS = frozenset({"dev-secret-change-me"})


class SecretKeyMissing(RuntimeError):
    """No usable SECRET_KEY: the app must not start (anyone could sign its cookies)."""


def configure_secret_key(app):
    """Set app.config["SECRET_KEY"] from SECRET_KEY, else from SECRET_KEY_FILE (default
    instance/secret-key); refuse a missing, short or published key."""
    key = app.config.get("SECRET_KEY") or ""
    origin = "SECRET_KEY"
    if not key:
        path = Path(app.config.get("SECRET_KEY_FILE") or Path(app.instance_path) / SECRET_KEY_FILE)
        origin = str(path)
        try:
            key = path.read_text().strip()
        except FileNotFoundError:
            raise SecretKeyMissing(
                f"SECRET_KEY is not set and {path} does not exist. Run `make setup`, which "
                "writes a random key there once, or set SECRET_KEY to a long random value: "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'") from None
    if key in KNOWN_SECRET_KEYS:
        raise SecretKeyMissing(f"{origin} holds a published development value: anyone could "
                               "sign cookies with it. Set a long random value.")
    if len(key) < SECRET_KEY_MIN_LENGTH:
        raise SecretKeyMissing(f"{origin} is shorter than {SECRET_KEY_MIN_LENGTH} characters. "
                               "Set a long random value.")
    app.config["SECRET_KEY"] = key
