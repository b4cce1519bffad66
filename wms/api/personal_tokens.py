"""/oauth/personal-access-tokens: a signed-in user lists, creates and revokes their own
personal access tokens (Passport's PersonalAccessTokenController)."""
from flask import Blueprint

from wms.oauth.guard import acting_token, current_user, require_user
from wms.oauth.permissions import require_grantable
from wms.params import load
from wms.schemas.oauth import PersonalTokenInput, TokenSchema
from wms.services.personal_tokens import (create_personal_token, list_personal_tokens,
                                          revoke_personal_token)
from wms.openapi import Many, doc
from wms.schemas.oauth import PersonalTokenResultSchema

bp = Blueprint("personal_tokens", __name__)
bp.before_request(require_user)

_token_schema = TokenSchema(exclude=("client",))


@bp.get("/personal-access-tokens")
@doc(response=Many(TokenSchema(exclude=("client",))))
def index():
    """The user's live personal tokens."""
    return _token_schema.dump(list_personal_tokens(current_user()), many=True)


@bp.post("/personal-access-tokens")
@doc(body=PersonalTokenInput, response=PersonalTokenResultSchema, errors=[419])
def store():
    """A new personal token: its JWT, this once, and its row."""
    data = load(PersonalTokenInput())
    require_grantable(acting_token(), data["scopes"])
    jwt, token = create_personal_token(current_user(), data["name"], data["scopes"],
                                       data["expires_at"], actor=acting_token())
    return {"accessToken": jwt, "token": _token_schema.dump(token)}


@bp.delete("/personal-access-tokens/<token_id>")
@doc(status=204, errors=[404, 419])
def destroy(token_id):
    """Revoke one of the user's personal tokens."""
    revoke_personal_token(current_user(), token_id, actor=acting_token())
    return "", 204
