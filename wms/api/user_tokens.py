"""Per-user personal tokens, in two families over the one personal-token service (README
"Per-user personal tokens"):

- `/api/1.0/users/{user_id}/tokens` (spec/04): Passport's token JSON, the id is the `jti`;
- `/api/v2/users/{id}/personal_tokens/` and `/api/v2/tokens/{id}/` (spec/05): AWX's JSON, the id
  is the token's integer number.

Both take a bearer token or the same token in `X-API-Key`. The user themself, or whoever may
manage users, may see and change a user's tokens; anyone else gets a 403. A token never makes a
token with scopes it does not have itself.
"""
from flask import Blueprint, current_app, request
from marshmallow import ValidationError

from wms.errors import ApiError
from wms.oauth.guard import acting_token, bearer_token, refuse_read_only_writes
from wms.oauth.permissions import UNAUTHORIZED, may_manage_tokens_of, require_grantable
from wms.pagination import fetch_page, page_url, paginate
from wms.params import load, request_params
from wms.values import parse_id
from wms.schemas.oauth import (PersonalTokenInput, TokenPageSchema, UserPersonalTokenInput,
                               UserPersonalTokenPageSchema, UserPersonalTokenSchema,
                               UserTokenPageSchema, UserTokenResultSchema, UserTokenSchema)
from wms.services.personal_tokens import (create_personal_token, find_personal_token,
                                          find_personal_token_by_number, personal_tokens_query,
                                          revoke_personal_token, revoke_token)
from wms.services.tokens import TOKEN_MISSING
from wms.services.users import USER_MISSING, find_user
from wms.schemas import shape
from wms.openapi import doc
from wms.pagination import PageSchema

v1 = Blueprint("user_tokens_v1", __name__)
v2 = Blueprint("user_tokens_v2", __name__)


def authenticate():
    """before_request: 401 without a valid token (CORS preflights carry none); 403 for a write
    with a token that may only read."""
    if request.method == "OPTIONS":
        return None
    refuse_read_only_writes(bearer_token())
    return None


v1.before_request(authenticate)
v2.before_request(authenticate)


def target_user(user_id):
    """The user of the path, when the caller may manage their tokens: 403 for anyone else
    (whether or not the user exists), 404 for an unknown user."""
    number = parse_id(user_id)
    if number is None:
        raise ApiError(USER_MISSING, 404)
    if not may_manage_tokens_of(acting_token(), number):
        raise ApiError(UNAUTHORIZED, 403)
    return find_user(number)


# --- /api/1.0/users/{user_id}/tokens ---------------------------------------------------------

_v1_schema = UserTokenSchema(exclude=("client",))


@v1.get("/<user_id>/tokens")
@doc(query=PageSchema, response=UserTokenPageSchema, errors=[404])
def index(user_id):
    """The user's live personal tokens, paginated: `{"data": [...], "meta": {...}}`."""
    user = target_user(user_id)
    select, count = personal_tokens_query(user.id)
    page = paginate(select, count, lambda rows: _v1_schema.dump(rows, many=True))
    data = page.pop("data")
    page["count"] = len(data)
    page["total_pages"] = page["last_page"]
    return {"data": data, "meta": page}


@v1.post("/<user_id>/tokens")
@doc(body=PersonalTokenInput, response=UserTokenResultSchema, status=201, errors=[404])
def store(user_id):
    """A new personal token for the user: its JWT (this once) and its row."""
    user = target_user(user_id)
    data = load(PersonalTokenInput())
    require_grantable(acting_token(), data["scopes"])
    jwt, token = create_personal_token(user, data["name"], data["scopes"], data["expires_at"],
                                       actor=acting_token())
    return {"accessToken": jwt, "token": _v1_schema.dump(token)}, 201


@v1.get("/<user_id>/tokens/<token_id>")
@doc(response=UserTokenSchema(exclude=("client",)), errors=[404])
def show(user_id, token_id):
    """One of the user's personal tokens, revoked or not."""
    return _v1_schema.dump(find_personal_token(target_user(user_id), token_id))


@v1.delete("/<user_id>/tokens/<token_id>")
@doc(status=204, errors=[404])
def destroy(user_id, token_id):
    """Revoke one of the user's personal tokens."""
    revoke_personal_token(target_user(user_id), token_id, actor=acting_token())
    return "", 204


# --- /api/v2 ---------------------------------------------------------------------------------

_v2_schema = shape(UserPersonalTokenSchema)


class FieldErrors(ApiError):
    """A 400 in Django REST framework's shape, as the /api/v2 family answers:
    `{"field": ["message"]}`."""

    def __init__(self, errors):
        super().__init__("Bad request.", 400, errors)

    def to_dict(self):
        return self.errors


def load_v2(schema):
    try:
        return schema.load(request_params())
    except ValidationError as error:
        raise FieldErrors(error.messages)


@v2.post("/users/<user_id>/personal_tokens/")
@doc(body=UserPersonalTokenInput, response=UserPersonalTokenSchema, status=201, errors=[404],
     error_family="fields")
def v2_store(user_id):
    """A new personal token for the user (201): the token's JSON, with the JWT this once."""
    user = target_user(user_id)
    data = load_v2(UserPersonalTokenInput())
    require_grantable(acting_token(), data["scope"])
    jwt, token = create_personal_token(user, data["description"], data["scope"],
                                       actor=acting_token())
    body = _v2_schema.dump(token)
    body["token"] = jwt
    return body, 201


@v2.get("/users/<user_id>/personal_tokens/")
@doc(query=TokenPageSchema, response=UserPersonalTokenPageSchema, errors=[404],
     error_family="fields")
def v2_index(user_id):
    """The user's live personal tokens (JWT hidden), AWX's list: count, next, previous,
    results; `page` and `page_size`."""
    user = target_user(user_id)
    args = load_v2(shape(TokenPageSchema))
    page, size = args["page"], args["page_size"]
    if size > current_app.config["PER_PAGE_MAX"]:
        raise FieldErrors({"page_size": [
            f"Must be at most {current_app.config['PER_PAGE_MAX']}."]})
    rows, total = fetch_page(*personal_tokens_query(user.id), page, size)
    return {"count": total,
            "next": page_url(request.path, page + 1) if page * size < total else None,
            "previous": page_url(request.path, page - 1) if page > 1 else None,
            "results": _v2_schema.dump(rows, many=True)}


def _v2_token(token_id):
    """The personal token with this integer id, if the caller may manage its user's tokens; a
    404 otherwise (another user's token is not told apart from an unknown one)."""
    token = find_personal_token_by_number(parse_id(token_id))
    # AWX deletes a revoked token: here it is kept (the other families show it), but not shown.
    if token.revoked or not may_manage_tokens_of(acting_token(), token.user_id):
        raise ApiError(TOKEN_MISSING, 404)
    return token


@v2.get("/tokens/<token_id>/")
@doc(response=UserPersonalTokenSchema, errors=[404])
def v2_show(token_id):
    """One live personal token (JWT hidden)."""
    return _v2_schema.dump(_v2_token(token_id))


@v2.delete("/tokens/<token_id>/")
@doc(status=204, errors=[404])
def v2_destroy(token_id):
    """Revoke a personal token."""
    revoke_token(_v2_token(token_id), actor=acting_token())
    return "", 204
