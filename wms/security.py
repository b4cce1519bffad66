"""Hashing of stored secrets (client secrets now, passwords later), with werkzeug."""
import secrets

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash


def hash_secret(plain):
    return generate_password_hash(plain, method=current_app.config["SECRET_HASH_METHOD"])


def check_secret(hashed, plain):
    return bool(hashed) and check_password_hash(hashed, plain)


def new_client_secret():
    """40 characters, as Passport's."""
    return secrets.token_urlsafe(30)
