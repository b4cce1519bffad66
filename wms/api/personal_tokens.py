"""/oauth/personal-access-tokens: a signed-in user lists, creates and revokes their own
personal access tokens (Passport's PersonalAccessTokenController)."""
from datetime import datetime, timezone

from flask import Blueprint
from marshmallow import EXCLUDE, Schema, ValidationError, fields

from wms.models.base import utcnow
from wms.oauth.guard import current_user, require_user
from wms.oauth.scopes import SCOPES
from wms.params import load
from wms.schemas.fields import Text
from wms.schemas.oauth import TokenSchema
from wms.services.personal_tokens import (create_personal_token, list_personal_tokens,
                                          revoke_personal_token)

bp = Blueprint("personal_tokens", __name__)
bp.before_request(require_user)

SCOPES_MAX = 50


class ScopeList(fields.Field):
    """An array of scope names (JSON, or `scopes[]` form values) or a space-separated string;
    each a known scope or `*`. Duplicates are dropped, the order kept."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            items = [name for name in value.split(" ") if name]
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            items = value
        else:
            raise ValidationError("Must be an array of scopes.")
        if len(items) > SCOPES_MAX:
            raise ValidationError(f"At most {SCOPES_MAX} scopes.")
        unknown = [name for name in items if name != "*" and name not in SCOPES]
        if unknown:
            raise ValidationError(f"Unknown scope(s): {', '.join(sorted(set(unknown)))}.")
        return list(dict.fromkeys(items))


class FutureDateTime(fields.Field):
    """`YYYY-MM-DD HH:MM:SS` (UTC) or ISO 8601 (UTC when it has no offset), in the future;
    naive UTC, to the second."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value) > 40:
            raise ValidationError("Must be a date and time (YYYY-MM-DD HH:MM:SS or ISO 8601).")
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError("Must be a date and time (YYYY-MM-DD HH:MM:SS or ISO 8601).")
        if moment.tzinfo is not None:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
        moment = moment.replace(microsecond=0)
        if moment <= utcnow():
            raise ValidationError("Must be in the future.")
        return moment


class PersonalTokenInput(Schema):
    class Meta:
        unknown = EXCLUDE

    name = Text(required=True)
    scopes = ScopeList(load_default=list)
    expires_at = FutureDateTime(load_default=None, allow_none=True)


_token_schema = TokenSchema(exclude=("client",))


@bp.get("/personal-access-tokens")
def index():
    return _token_schema.dump(list_personal_tokens(current_user()), many=True)


@bp.post("/personal-access-tokens")
def store():
    data = load(PersonalTokenInput())
    jwt, token = create_personal_token(current_user(), data["name"], data["scopes"],
                                       data["expires_at"])
    return {"accessToken": jwt, "token": _token_schema.dump(token)}


@bp.delete("/personal-access-tokens/<token_id>")
def destroy(token_id):
    revoke_personal_token(current_user(), token_id)
    return "", 204
