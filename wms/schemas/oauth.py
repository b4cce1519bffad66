"""JSON shapes of OAuth clients and access tokens as Passport prints them (never a secret's
hash), the inputs of the routes where users manage their clients and personal tokens, and the
/api/v2 family's personal token (spec/05)."""
import json

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from wms.models.base import utcnow
from wms.oauth.scopes import SCOPES
from wms.schemas.fields import CONTROL_CHARS, LegacyDateTime, PositiveInt, Text, UtcDateTime
from wms.schemas import shape

REDIRECT_MAX = 2000
REDIRECTS_MAX = 20

_url = validate.URL(relative=False, schemes={"http", "https"}, require_tld=False)


class ClientSchema(Schema):
    id = fields.Integer()
    user_id = fields.Integer(allow_none=True)
    name = fields.String()
    redirect = fields.String()
    personal_access_client = fields.Boolean()
    password_client = fields.Boolean()
    revoked = fields.Boolean()
    created_at = LegacyDateTime()
    updated_at = LegacyDateTime()


class TokenSchema(Schema):
    id = fields.String()
    user_id = fields.Integer(allow_none=True)
    client_id = fields.Integer()
    name = fields.String(allow_none=True)
    scopes = fields.List(fields.String())
    revoked = fields.Boolean()
    created_at = LegacyDateTime()
    updated_at = LegacyDateTime()
    expires_at = LegacyDateTime()
    client = fields.Nested(ClientSchema)


def created_client(client, secret):
    """A new client's JSON: its plain secret, this once, as `secret` and (Passport 9+)
    `plainSecret`; null for a public client."""
    body = shape(ClientSchema).dump(client)
    body["secret"] = secret
    body["plainSecret"] = secret
    return body


class RedirectList(fields.Field):
    """Comma-separated absolute http(s) URLs (or an array of them), stored joined by ","."""

    default_error_messages = {
        "invalid": "Must be a comma-separated list of URLs.",
        "empty": "At least one URL is required.",
        "too_many": f"At most {REDIRECTS_MAX} URLs.",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            items = value.split(",")
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            items = value
        else:
            raise self.make_error("invalid")
        urls = [item.strip() for item in items]
        if not any(urls):
            raise self.make_error("empty")
        if len(urls) > REDIRECTS_MAX:
            raise self.make_error("too_many")
        for url in urls:
            if (not url or len(url) > REDIRECT_MAX or CONTROL_CHARS.search(url)
                    or "," in url):
                raise ValidationError(f"Not a valid URL: {url!r}.")
            try:
                _url(url)
            except ValidationError:
                raise ValidationError(f"Not a valid URL: {url!r}.")
        return ",".join(urls)


class ClientUpdateSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name = Text(required=True)
    redirect = RedirectList(required=True)


class NewClientSchema(ClientUpdateSchema):
    confidential = fields.Boolean(load_default=True)


# --- Personal tokens -------------------------------------------------------------------------

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


class FutureDateTime(UtcDateTime):
    """A UtcDateTime in the future."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if moment <= utcnow():
            raise ValidationError("Must be in the future.")
        return moment


class PersonalTokenInput(Schema):
    """POST /oauth/personal-access-tokens and POST /api/1.0/users/{user_id}/tokens."""

    class Meta:
        unknown = EXCLUDE

    name = Text(required=True)
    scopes = ScopeList(load_default=list)
    expires_at = FutureDateTime(load_default=None, allow_none=True)


class UserTokenSchema(TokenSchema):
    """A token in the /api/1.0 family: Passport's fields (`id` is the jti) and `last_used_at`."""

    last_used_at = LegacyDateTime(allow_none=True)


class TokenPageSchema(Schema):
    """/api/v2 lists: `page` and `page_size` (AWX's names)."""

    class Meta:
        unknown = EXCLUDE

    page = PositiveInt(load_default=1, maximum=10**9)
    page_size = PositiveInt(load_default=25, maximum=10**9)


V2_SCOPES = ("read", "write")
V2_SCOPE_ERROR = ("Must be a simple space-separated string with allowed scopes "
                  f"{list(V2_SCOPES)}.")
DESCRIPTION_MAX = 255


class V2Scope(fields.Field):
    """`read`, `write` or both, space-separated (AWX's OAuth2 scopes) -> a list of them."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value) > 100:
            raise ValidationError(V2_SCOPE_ERROR)
        names = value.split(" ")
        if not value.strip() or any(name not in V2_SCOPES for name in names if name) \
                or CONTROL_CHARS.search(value):
            raise ValidationError(V2_SCOPE_ERROR)
        return [name for name in V2_SCOPES if name in names]


class Description(fields.String):
    """Optional free text: trimmed, may be empty, no control characters but newlines."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs).strip()
        if len(value) > DESCRIPTION_MAX:
            raise ValidationError(f"Ensure this field has no more than {DESCRIPTION_MAX} "
                                  "characters.")
        if CONTROL_CHARS.search(value.replace("\n", "").replace("\t", "")):
            raise ValidationError("Must not contain control characters.")
        return value


class UserPersonalTokenInput(Schema):
    """POST /api/v2/users/{id}/personal_tokens/ (spec/05): read-only fields are ignored."""

    class Meta:
        unknown = EXCLUDE

    description = Description(load_default="")
    scope = V2Scope(load_default=lambda: ["write"], error_messages={"null": V2_SCOPE_ERROR})


def _iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else None


HIDDEN = "************"


class UserPersonalTokenSchema(Schema):
    """A personal token as /api/v2 shows it (spec/05's UserPersonalToken, its JSON types):
    `id` is the token's integer number, `application` its client's id, times are ISO 8601 UTC,
    `related` the owner's URL and `summary_fields` a JSON text naming the owner and client.
    `token` is a mask: the view that creates a token puts the JWT there, that once. Personal
    tokens have no refresh token (`""`)."""

    class Meta:
        ordered = True

    application = fields.Integer(attribute="client_id")
    created = fields.Function(lambda t: _iso(t.created_at))
    description = fields.Function(lambda t: t.name or "")
    expires = fields.Function(lambda t: _iso(t.expires_at))
    id = fields.Integer(attribute="number")
    modified = fields.Function(lambda t: _iso(t.updated_at))
    refresh_token = fields.Function(lambda t: "")
    related = fields.Function(lambda t: f"/api/v2/users/{t.user_id}/personal_tokens/")
    scope = fields.Function(lambda t: " ".join(t.scopes or []))
    summary_fields = fields.Function(lambda t: json.dumps(
        {"user": {"id": t.user_id}, "application": {"id": t.client_id}},
        separators=(",", ":")))
    token = fields.Function(lambda t: HIDDEN)
    type = fields.Function(lambda t: "o_auth2_access_token")
    url = fields.Function(lambda t: f"/api/v2/tokens/{t.number}/")
    user = fields.Integer(attribute="user_id")


# --- What the OAuth server's own routes take and answer (Authlib builds these bodies; the
# OpenAPI document shows them with these schemas) ---------------------------------------------

class TokenRequestSchema(Schema):
    """POST /oauth/token: a grant's parameters (the client's secret may come by HTTP Basic)."""

    grant_type = fields.String(required=True, validate=validate.OneOf(
        ["client_credentials", "password", "refresh_token", "authorization_code"]))
    client_id = fields.String()
    client_secret = fields.String()
    scope = fields.String()
    username = fields.String()
    password = fields.String()
    refresh_token = fields.String()
    code = fields.String()
    redirect_uri = fields.String()
    code_verifier = fields.String()


class TokenResponseSchema(Schema):
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True)
    access_token = fields.String(required=True)
    refresh_token = fields.String()


class TokenHintSchema(Schema):
    """POST /oauth/revoke and /oauth/introspect (RFC 7009, RFC 7662), with the client's
    credentials."""

    token = fields.String(required=True)
    token_type_hint = fields.String(validate=validate.OneOf(["access_token", "refresh_token"]))
    client_id = fields.String()
    client_secret = fields.String()


class IntrospectionSchema(Schema):
    active = fields.Boolean(required=True)
    scope = fields.String()
    client_id = fields.String()
    token_type = fields.String()
    exp = fields.Integer()
    iat = fields.Integer()
    nbf = fields.Integer()
    sub = fields.String()
    aud = fields.String()
    iss = fields.String()
    jti = fields.String()


class JwksSchema(Schema):
    keys = fields.List(fields.Dict(), required=True)


class ServerMetadataSchema(Schema):
    """RFC 8414's metadata."""

    issuer = fields.String(required=True)
    authorization_endpoint = fields.String()
    token_endpoint = fields.String()
    jwks_uri = fields.String()
    revocation_endpoint = fields.String()
    introspection_endpoint = fields.String()
    scopes_supported = fields.List(fields.String())
    response_types_supported = fields.List(fields.String())
    grant_types_supported = fields.List(fields.String())
    code_challenge_methods_supported = fields.List(fields.String())
    token_endpoint_auth_methods_supported = fields.List(fields.String())
    revocation_endpoint_auth_methods_supported = fields.List(fields.String())
    introspection_endpoint_auth_methods_supported = fields.List(fields.String())


class ScopeSchema(Schema):
    id = fields.String()
    description = fields.String()


class CreatedClientSchema(ClientSchema):
    """A new client: its plain secret this once (null for a public client)."""

    secret = fields.String(allow_none=True)
    plainSecret = fields.String(allow_none=True)


class PersonalTokenResultSchema(Schema):
    """A new personal token: its JWT, this once, and its row."""

    accessToken = fields.String(required=True)
    token = fields.Nested(TokenSchema(exclude=("client",)), required=True)


class UserTokenResultSchema(PersonalTokenResultSchema):
    token = fields.Nested(UserTokenSchema(exclude=("client",)), required=True)


class UserTokenPageSchema(Schema):
    """/api/1.0's list: the rows, and the paginator's keys under `meta` (with `count` and
    `total_pages`)."""

    data = fields.List(fields.Nested(UserTokenSchema(exclude=("client",))), required=True)
    meta = fields.Dict(required=True)


class UserPersonalTokenPageSchema(Schema):
    """/api/v2's list (AWX's)."""

    count = fields.Integer(required=True)
    next = fields.String(required=True, allow_none=True)
    previous = fields.String(required=True, allow_none=True)
    results = fields.List(fields.Nested(UserPersonalTokenSchema), required=True)
