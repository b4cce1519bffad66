"""The user routes of spec/02 and spec/03: POST /api/v1/user/store, POST /api/login,
POST /api/users, GET /api/users (the caller's own user) and GET /users/search.

Managing users (creating them, searching them) takes a token that may manage users
(wms.oauth.permissions.may_manage_users): an admin user's token whose scopes allow it, or a
client-credentials token of an admin client. Scopes are not the warehouse routes' read/write
rule here: a token with only the `users` scope manages users.
"""
from flask import Blueprint, current_app, request

from wms.errors import ApiError
from wms.oauth.guard import bearer_token, has_token_header
from wms.oauth.permissions import UNAUTHORIZED, may_manage_users
from wms.oauth.transient import has_token_cookie
from wms.pagination import paginate
from wms.params import load
from wms.ratelimit import rate_limit
from wms.schemas.accounts import LoginSchema, NewUserSchema, UserSchema, UserSearchSchema
from wms.schemas.fields import DATETIME_FORMAT
from wms.services import users

NO_USER = "This token acts for a client, not for a user."

bp = Blueprint("users", __name__)
v1 = Blueprint("users_v1", __name__)  # /api/v1/user: under /api/v1, but not its scope rule


def _caller_token():
    """The request's token, or None when it names none (401 for one that is not valid)."""
    if not (has_token_header() or has_token_cookie()):
        return None
    return bearer_token()


def require_manager():
    """before_request: 401 without a valid token, 403 unless it may manage users."""
    if request.method == "OPTIONS":  # CORS preflights carry no token
        return None
    if not may_manage_users(bearer_token()):
        raise ApiError(UNAUTHORIZED, 403)
    return None


v1.before_request(require_manager)


def _create_user(may_grant_admin):
    data = load(NewUserSchema())
    if data["is_admin"] and not may_grant_admin:
        raise ApiError(UNAUTHORIZED, 403)
    return UserSchema().dump(users.add_user(data)), 201


@v1.post("/store")
def store():
    """A new user (an admin, with `is_admin`)."""
    return _create_user(may_grant_admin=True)


@bp.post("/api/login")
@rate_limit("LOGIN_RATE_LIMIT")
def login():
    """A personal access token for an email (or username) and password."""
    data = load(LoginSchema())
    jwt, token, user = users.login(data["login"], data["password"])
    return {"token_type": "Bearer", "access_token": jwt,
            "expires_at": token.expires_at.strftime(DATETIME_FORMAT) if token.expires_at
            else None,
            "user": UserSchema().dump(user)}


@bp.post("/api/users")
@rate_limit("REGISTRATION_RATE_LIMIT")
def register():
    """A new user: anyone's sign-up when ALLOW_REGISTRATION is on, else a user manager's."""
    token = _caller_token()
    manager = may_manage_users(token)
    if not manager and not current_app.config["ALLOW_REGISTRATION"]:
        if token is None:
            raise ApiError("Unauthenticated.", 401, headers={"WWW-Authenticate": "Bearer"})
        raise ApiError(UNAUTHORIZED, 403)
    return _create_user(may_grant_admin=manager)


@bp.get("/api/users")
def show():
    """The user the token belongs to."""
    token = bearer_token()
    if token.user_id is None:
        raise ApiError(NO_USER, 403)
    return UserSchema().dump(token.user)


@bp.get("/users/search")
def search():
    """Users whose name or email contains `q`, paginated, for those who may manage users."""
    require_manager()
    q = load(UserSearchSchema())["q"]
    rows, count = users.search_users(q)
    return paginate(rows, count, UserSchema(many=True).dump)
