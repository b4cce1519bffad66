"""JSON shapes of OAuth clients and access tokens as Passport prints them (never a secret's
hash), and the inputs of the routes where users manage their clients."""
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from wms.schemas.fields import CONTROL_CHARS, LegacyDateTime, Text

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
    body = ClientSchema().dump(client)
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
