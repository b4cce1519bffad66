"""People who sign in: creating them, and checking a password."""
import re
from functools import cache

import sqlalchemy as sa

from wms.errors import ApiError
from wms.extensions import db
from wms.models import User
from wms.security import check_secret, hash_secret
from wms.services import unit_of_work

PASSWORD_MIN = 8
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@cache
def _no_user_hash():
    """Checked when the email is unknown, so that it costs as long as a wrong password."""
    return hash_secret("no such user")


def _validate(name, email, password):
    errors = {}
    if not name or not name.strip() or len(name) > 255:
        errors["name"] = ["Must be between 1 and 255 characters."]
    if not email or len(email) > 255 or not _EMAIL.fullmatch(email):
        errors["email"] = ["Not a valid email address."]
    if not password or len(password) < PASSWORD_MIN:
        errors["password"] = [f"Must be at least {PASSWORD_MIN} characters."]
    return errors


def create_user(*, name, email, password, is_admin=False):
    """A new user with a hashed password; 400 with field errors for bad input or a taken email."""
    email = (email or "").strip().lower()
    errors = _validate(name, email, password)
    if not errors and db.session.scalar(sa.select(User.id).where(User.email == email)):
        errors["email"] = ["The email has already been taken."]
    if errors:
        raise ApiError("Parametros no validos.", 400, errors)
    user = User(name=name.strip(), email=email, password=hash_secret(password),
                is_admin=bool(is_admin))
    with unit_of_work() as session:
        session.add(user)
    return user


def authenticate(email, password):
    """The user with this email and password, else None; as slow for an unknown email."""
    user = db.session.scalar(sa.select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        check_secret(_no_user_hash(), password or "")
        return None
    return user if check_secret(user.password, password or "") else None
