"""People who sign in: creating, changing and deleting them, checking a password, signing in
for a token, finding them.

Deleting a user is a soft delete: the row stays, with `deleted_at` set, because the movements
ledger (and placements) name the user who made each change. A deleted user is left out of every
list and lookup here, cannot sign in (the password grant, POST /login, POST /api/login, the
2019 web UI's user/authenticate), and the deletion revokes their access and refresh tokens and
pending authorization codes in the same transaction (the guard also refuses any token of a
deleted user, one issued while the deletion ran included). Their email stays taken.
"""
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from wms.errors import INVALID_PARAMS, ApiError
from wms.extensions import db
from wms.models import User
from wms.models.base import utcnow
from wms.security import check_password, hash_secret, is_legacy_hash
from wms.services import in_transaction
from wms.services.personal_tokens import create_personal_token
from wms.services.roles import ADMIN_ROLE, give_role
from wms.services.tokens import revoke_all_of_user

EMAIL_TAKEN = "The email has already been taken."
BAD_CREDENTIALS = "These credentials do not match our records."
USER_MISSING = "El usuario no existe."
NOT_YOURSELF = "Un administrador no puede eliminarse a si mismo."
KEEP_YOUR_ADMIN = "Un administrador no puede quitarse a si mismo el rol de administrador."
LOGIN_TOKEN_NAME = "Login"
LIVE = User.deleted_at.is_(None)


@cache
def _no_user_hash():
    """Checked when the email is unknown, so that it costs as long as a wrong password."""
    return hash_secret("no such user")


def _email_taken(session, email, but=None):
    """Whether another user (a deleted one too: the index is unique) has this email."""
    query = sa.select(User.id).where(User.email == email)
    if but is not None:
        query = query.where(User.id != but)
    return session.scalar(query) is not None


def _taken():
    return ApiError(INVALID_PARAMS, 400, {"email": [EMAIL_TAKEN]})


def create_user(*, name, email, password, is_admin=False):
    """A new user from values a caller has checked (the command line checks them with the
    API's schema first): the email is kept lower-case, as sign-in looks it up."""
    return add_user({"name": name, "email": email.strip().lower(), "password": password,
                     "is_admin": bool(is_admin)})


def add_user(data):
    """A new user with a hashed password from NewUserSchema's output (plus, optionally,
    `address` and `role`, a role name; without one, the role is_admin says); 400 for a taken
    email (one a concurrent request takes first included: the unique index stops it, and the
    run again finds it taken) or an unknown role."""
    hashed = hash_secret(data["password"])  # slow: before the transaction, not inside it
    session = db.session

    def add():
        if _email_taken(session, data["email"]):
            raise _taken()
        user = User(name=data["name"], email=data["email"], password=hashed,
                    is_admin=data.get("is_admin", False), address=data.get("address"))
        give_role(session, user, data.get("role"), field="rol")
        session.add(user)
        return user

    return in_transaction(add)


def find_user(user_id):
    """The user with this id, or a 404 (a deleted one too)."""
    user = live_user(user_id)
    if user is None:
        raise ApiError(USER_MISSING, 404)
    return user


def live_user(user_id):
    """The user with this id unless deleted, else None."""
    user = db.session.get(User, user_id)
    return None if user is None or user.deleted else user


def users_query():
    """(rows, count) statements of the users not deleted, by id, each with its roles (one more
    statement for a whole page): for wms.pagination.paginate."""
    rows = sa.select(User).where(LIVE).options(selectinload(User.role_links)).order_by(User.id)
    return rows, sa.select(sa.func.count(User.id)).where(LIVE)


def update_user(user_id, data, *, by_user_id=None):
    """Change a user's `name`, `email`, `address` and `role` (each only when in `data`), in one
    transaction; 404 for an unknown or deleted user, 400 for a taken email or an unknown role,
    409 when an admin would take their own admin role away (`by_user_id`: who asks)."""
    session = db.session

    def update():
        user = _locked_live_user(session, user_id)
        if "email" in data and _email_taken(session, data["email"], but=user.id):
            raise _taken()
        for field in ("name", "email", "address"):
            if field in data:
                setattr(user, field, data[field])
        if data.get("role") is not None:
            if user.id == by_user_id and user.is_admin and data["role"] != ADMIN_ROLE:
                raise ApiError(KEEP_YOUR_ADMIN, 409)
            give_role(session, user, data["role"], field="roles")
        return user

    return in_transaction(update)


def delete_user(user_id, *, by_user_id=None):
    """Soft-delete a user (see the module's docstring) and revoke what lets them in, in one
    transaction; 404 for an unknown or already deleted user, 409 for oneself (`by_user_id`)."""
    session = db.session

    def delete():
        user = _locked_live_user(session, user_id)
        if user.id == by_user_id:
            raise ApiError(NOT_YOURSELF, 409)
        user.deleted_at = utcnow()
        revoke_all_of_user(session, user.id)
        return user

    return in_transaction(delete)


def _locked_live_user(session, user_id):
    user = session.scalar(sa.select(User).where(User.id == user_id, LIVE).with_for_update())
    if user is None:
        raise ApiError(USER_MISSING, 404)
    return user


def authenticate(email, password):
    """The user with this email and password, else None; as slow for an unknown email. A user
    imported from the legacy service still has its bcrypt hash: it is accepted, and replaced by
    our own kind at this sign-in."""
    if not isinstance(email, str) or not isinstance(password, str):
        return None
    user = db.session.scalar(
        sa.select(User).where(User.email == email.strip().lower(), LIVE))
    if user is None:
        check_password(_no_user_hash(), password)
        return None
    if not check_password(user.password, password):
        return None
    if is_legacy_hash(user.password):
        _rehash(user, password)
    return user


def _rehash(user, password):
    """Store the password with hash_secret in place of its legacy hash, unless the hash changed
    meanwhile (a concurrent sign-in did it first, or a new password was set)."""
    legacy, hashed = user.password, hash_secret(password)  # slow: outside the transaction

    def replace():
        db.session.execute(sa.update(User).where(User.id == user.id, User.password == legacy)
                           .values(password=hashed))

    in_transaction(replace)


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
    condition = LIVE
    if q:
        condition = sa.and_(LIVE, sa.or_(User.name.icontains(q, autoescape=True),
                                         User.email.icontains(q, autoescape=True)))
    rows = sa.select(User).where(condition).order_by(User.name, User.id)
    count = sa.select(sa.func.count(User.id)).where(condition)
    return rows, count
