"""The user routes of spec/02 and spec/03: POST /api/v1/user/store, POST /api/login,
POST /api/users, GET /api/users (the caller's own user) and GET /users/search; and those the 2019
web UI and scanner app call (spec/06 6.14): user/authenticate, create, getusers, update/{id},
delete/{id} and getprofile under /api/v1/user.

Managing users (creating, listing, changing, deleting, searching them) takes a token that may
manage users (wms.oauth.permissions.may_manage_users): an admin user's token whose scopes allow
it, or a client-credentials token of an admin client. Scopes are not the warehouse routes'
read/write rule there: a token with only the `users` scope manages users. user/authenticate and
user/getprofile take any valid token under that rule.
"""
import json
from functools import wraps

from flask import Blueprint, current_app, request

from wms.errors import ApiError
from wms.oauth.guard import acting_token, bearer_token, has_token_header, require_token
from wms.oauth.permissions import UNAUTHORIZED, may_manage_users
from wms.oauth.transient import has_token_cookie
from wms.pagination import paginate
from wms.params import load
from wms.ratelimit import rate_limit
from wms.schemas.accounts import (AuthenticateResultSchema, LoginResultSchema, LoginSchema,
                                  NewUserSchema, ProfileSchema, UserSchema, UserSearchSchema,
                                  WebLoginSchema, WebNewUserSchema, WebUserSchema,
                                  WebUserUpdateSchema)
from wms.schemas.fields import DATETIME_FORMAT
from wms.values import parse_id
from wms.services import users
from wms.schemas import shape
from wms.openapi import BEARER, doc
from wms.pagination import PageSchema
from wms.schemas.envelopes import StatusSchema, laravel_page

NO_USER = "This token acts for a client, not for a user."

bp = Blueprint("users", __name__)
v1 = Blueprint("users_v1", __name__)  # /api/v1/user: under /api/v1, but not its scope rule
# /api/v1/user too: the routes any valid token may call, under the /api/v1 scope rule.
v1_any = Blueprint("users_v1_any", __name__)
v1_any.before_request(require_token)


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
    data = load(shape(NewUserSchema))
    if data["is_admin"] and not may_grant_admin:
        raise ApiError(UNAUTHORIZED, 403)
    return shape(UserSchema).dump(users.add_user(data)), 201


@v1.post("/store")
@doc(body=NewUserSchema, response=UserSchema, status=201, errors=[409])
def store():
    """A new user (an admin, with `is_admin`)."""
    return _create_user(may_grant_admin=True)


@bp.post("/api/login")
@rate_limit("LOGIN_RATE_LIMIT")
@doc(body=LoginSchema, response=LoginResultSchema, errors=[401, 429], security=[])
def login():
    """A personal access token for an email (or username) and password."""
    data = load(shape(LoginSchema))
    jwt, token, user = users.login(data["login"], data["password"])
    return {"token_type": "Bearer", "access_token": jwt,
            "expires_at": token.expires_at.strftime(DATETIME_FORMAT) if token.expires_at
            else None,
            "user": shape(UserSchema).dump(user)}


@bp.post("/api/users")
@rate_limit("REGISTRATION_RATE_LIMIT")
@doc(body=NewUserSchema, response=UserSchema, status=201, errors=[401, 403, 409, 429],
     security=[{}, *BEARER])
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
@doc(response=UserSchema)
def show():
    """The user the token belongs to."""
    return shape(UserSchema).dump(_own_user(bearer_token()))


def _own_user(token):
    """The token's user; a 403 for a token that acts for a client."""
    if token.user_id is None:
        raise ApiError(NO_USER, 403)
    return token.user


@bp.get("/users/search")
@doc(query=UserSearchSchema, response=laravel_page(UserSchema))
def search():
    """Users whose name or email contains `q`, paginated, for those who may manage users."""
    require_manager()
    q = load(shape(UserSearchSchema))["q"]
    rows, count = users.search_users(q)
    return paginate(rows, count, shape(UserSchema, many=True).dump)


# --- The 2019 web UI and scanner app (spec/06 6.14) --------------------------------------------
# Their user/* answers carry `status` and `code`; the web UI shows `message` on a 404 or a 422.

USER_NOT_FOUND = "Usuario no encontrado"
WRONG_CREDENTIALS = "Usuario o contraseña no encontrados"
VALIDATION_FAILED = "Validacion fallida"
WEB_PAGE_SIZE = 25  # the legacy server's default for users and roles


class StatusError(ApiError):
    """`{"status": "error", "code": N, "message": ..., "errors"?: {...}}`; with `status`
    "fail" (user/authenticate's invalid input) the field errors go in `data.errors`."""

    def __init__(self, message, status_code, errors=None, status="error"):
        super().__init__(message, status_code, errors)
        self.status = status

    def to_dict(self):
        body = {"status": self.status, "code": self.status_code, "message": self.message}
        if self.errors and self.status == "fail":
            body["data"] = {"errors": self.errors}
        elif self.errors:
            body["errors"] = self.errors
        return body


def web_answers(invalid_status="error"):
    """Decorator: the view's errors in the 2019 web UI's shape. Invalid input (a 400 with field
    errors) is a 422 "Validacion fallida {...}"; an unknown user a 404 "Usuario no encontrado";
    other errors keep their status and message."""
    def decorate(view):
        @wraps(view)
        def answer(*args, **kwargs):
            try:
                return view(*args, **kwargs)
            except StatusError:
                raise
            except ApiError as e:
                raise _web_error(e, invalid_status) from None
        return answer
    return decorate


def _web_error(error, invalid_status):
    if error.status_code == 400:
        errors = error.errors or {}
        message = f"{VALIDATION_FAILED} {json.dumps(errors, ensure_ascii=False)}"
        return StatusError(message, 422, errors, status=invalid_status)
    if error.status_code == 404:
        return StatusError(USER_NOT_FOUND, 404)
    return StatusError(error.message, error.status_code)


def _path_id(value):
    """The user id of the path, or a 404 (not a positive integer of at most 10 digits)."""
    number = parse_id(value)
    if number is None:
        raise StatusError(USER_NOT_FOUND, 404)
    return number


def _acting_user_id():
    return acting_token().user_id


@v1_any.post("/authenticate")
@rate_limit("LOGIN_RATE_LIMIT")
@web_answers(invalid_status="fail")
@doc(body=WebLoginSchema, response=AuthenticateResultSchema, errors=[404, 429], error_family="web")
def authenticate():
    """Whether an email and password match a user (the web UI's sign-in screen): the user, or a
    404. It signs nobody in and issues no token."""
    data = load(shape(WebLoginSchema))
    user = users.authenticate(data["email"], data["password"])
    if user is None:
        raise StatusError(WRONG_CREDENTIALS, 404)
    return {"status": "success", "code": 200, "user": [shape(WebUserSchema).dump(user)]}


@v1_any.get("/getprofile")
@doc(response=ProfileSchema)
def profile():
    """The token's own user with their roles (the scanner app, after signing in)."""
    return shape(ProfileSchema).dump(_own_user(acting_token()))


@v1.post("/create")
@web_answers()
@doc(body=WebNewUserSchema, response=StatusSchema, errors=[404, 409], error_family="web")
def create():
    """A new user with the role `rol` names."""
    users.add_user(load(shape(WebNewUserSchema)))
    return {"status": "success", "code": 200, "message": "Usuario creado"}


@v1.get("/getusers")
@web_answers()
@doc(query=PageSchema, response=laravel_page(WebUserSchema), error_family="web")
def index():
    """The users (not deleted), with their roles, paginated."""
    return paginate(*users.users_query(), shape(WebUserSchema, many=True).dump,
                    per_page=WEB_PAGE_SIZE)


@v1.post("/update/<user_id>")
@web_answers()
@doc(body=WebUserUpdateSchema, response=StatusSchema, errors=[404, 409], error_family="web")
def update(user_id):
    """Change a user's name, email, address and role (roles[0].name)."""
    number = _path_id(user_id)
    users.update_user(number, load(shape(WebUserUpdateSchema)), by_user_id=_acting_user_id())
    return {"status": "success", "code": 200, "message": "Usuario actualizado"}


@v1.get("/delete/<user_id>")
@web_answers()
@doc(response=StatusSchema, errors=[404, 409], error_family="web")
def destroy(user_id):
    """Delete a user (a soft delete: see wms.services.users), never oneself."""
    users.delete_user(_path_id(user_id), by_user_id=_acting_user_id())
    return {"status": "success", "code": 200, "message": "Usuario eliminado", "success": True}
