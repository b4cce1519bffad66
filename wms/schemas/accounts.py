"""JSON shape of a user: never the password or its hash."""
from marshmallow import Schema, fields

from wms.schemas.fields import LegacyDateTime


class UserSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()
    is_admin = fields.Boolean()
    created_at = LegacyDateTime()
    updated_at = LegacyDateTime()
