"""People who sign in: creating them, checking a password, signing in for a token, finding
them."""
from functools import cache

import sqlalchemy as sa
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError

from wms.errors import INVALID_PARAMS, ApiError
from wms.extensions import db
from wms.models import User
from wms.schemas.accounts import NewUserSchema
from wms.security import check_secret, hash_secret
from wms.services import unit_of_work
from wms.services.personal_tokens import create_personal_token

EMAIL_TAKEN = "The email has already been taken."
BAD_CREDENTIALS = "These credentials do not match our records."
USER_MISSING = "El usuario no existe."
LOGIN_TOKEN_NAME = "Login"


@cache
def _no_user_hash():
    """Checked when the email is unknown, so that it costs as long as a wrong password."""
    return hash_secret("no such user")


def _email_taken(session, email):
    return session.scalar(sa.select(User.id).where(User.email == email)) is not None


def _taken():
    return ApiError(INVALID_PARAMS, 400, {"email": [EMAIL_TAKEN]})


def create_user(*, name, email, password, is_admin=False):
    """A new user from plain values (the command line): checked as the API checks them, then
    added; 400 with field errors for bad input."""
    try:
        data = NewUserSchema().load(
            {"name": name, "email": email, "password": password, "is_admin": bool(is_admin)})
    except ValidationError as e:
        raise ApiError(INVALID_PARAMS, 400, e.messages)
    return add_user(data)


def add_user(data):
    """A new user with a hashed password from NewUserSchema's output; 400 for a taken email (a
    concurrent request that takes the email first included)."""
    hashed = hash_secret(data["password"])  # slow: before the transaction, not inside it
    try:
        with unit_of_work() as session:
            if _email_taken(session, data["email"]):
                raise _taken()
            user = User(name=data["name"], email=data["email"], password=hashed,
                        is_admin=data["is_admin"])
            session.add(user)
    except IntegrityError:
        # The unique index on email caught a concurrent sign-up that the check above missed.
        if _email_taken(db.session, data["email"]):
            raise _taken() from None
        raise
    return user


def find_user(user_id):
    """The user with this id, or a 404."""
    user = db.session.get(User, user_id)
    if user is None:
        raise ApiError(USER_MISSING, 404)
    return user


def authenticate(email, password):
    """The user with this email and password, else None; as slow for an unknown email."""
    if not isinstance(email, str) or not isinstance(password, str):
        return None
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        check_secret(_no_user_hash(), password)
        return None
    return user if check_secret(user.password, password) else None


def login(email, password):
    """A new personal access token (all its user's powers) for the user with this email and
    password: (jwt, token row, user). A 401 otherwise, the same for an unknown email as for a
    wrong password."""
    user = authenticate(email, password)
    if user is None:
        raise ApiError(BAD_CREDENTIALS, 401)
    jwt, token = create_personal_token(user, LOGIN_TOKEN_NAME, [])
    return jwt, token, user


def search_users(q):
    """(rows, count) statements for the users whose name or email contains `q` (any case;
    `%` and `_` match themselves), by name: for wms.pagination.paginate."""
    condition = sa.true()
    if q:
        condition = sa.or_(User.name.icontains(q, autoescape=True),
                           User.email.icontains(q, autoescape=True))
    rows = sa.select(User).where(condition).order_by(User.name, User.id)
    count = sa.select(sa.func.count(User.id)).where(condition)
    return rows, count
