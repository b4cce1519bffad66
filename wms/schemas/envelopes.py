"""The shapes every route shares, for the OpenAPI document (wms/openapi.py): the error bodies of
DESIGN.md section 4 and of the other families, OAuth's error, and the paginators that wrap a
list's rows (wms/pagination.py's Laravel paginator; the /api/1.0 and /api/v2 lists)."""
import functools

from marshmallow import Schema, fields

from wms.schemas.inventory import CurrentStateSchema


class ErrorSchema(Schema):
    """`{"message": ..., "errors"?: {"field": ["..."]}}`: every error of the API."""

    message = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.Raw())


class ConflictSchema(ErrorSchema):
    """A scan that no longer fits the data (409): `current` is where the SKU sits now."""

    current = fields.Nested(CurrentStateSchema, allow_none=True)


class OAuthErrorSchema(Schema):
    """Passport's error body of /oauth/token, /oauth/revoke and /oauth/introspect."""

    error = fields.String(required=True)
    error_description = fields.String()
    hint = fields.String()
    message = fields.String()


class StatusErrorSchema(Schema):
    """The 2019 web UI's user routes: `{"status": "error"|"fail", "code", "message", ...}`."""

    status = fields.String(required=True)
    code = fields.Integer(required=True)
    message = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.Raw())
    data = fields.Dict(keys=fields.String(), values=fields.Raw())


class FieldErrorsSchema(Schema):
    """The /api/v2 family's 400 (Django REST framework): `{"field": ["message"]}`."""

    class Meta:
        unknown = "include"


class MessageSchema(Schema):
    """`{"message": ...}` alone: an acknowledgement."""

    message = fields.String(required=True)


class StatusSchema(Schema):
    """The 2019 web UI's user routes' success: `{"status": "success", "code": 200, ...}`."""

    status = fields.String(required=True)
    code = fields.Integer(required=True)
    message = fields.String()
    success = fields.Boolean()


_URL = {"allow_none": True}


@functools.cache
def laravel_page(item_schema, extra=None):
    """The Laravel paginator (DESIGN.md section 4) of `item_schema` rows; `extra`, a schema
    whose fields the page also carries (clients-2019's getitemsinlocation)."""
    attrs = {
        "current_page": fields.Integer(required=True),
        "data": fields.List(fields.Nested(item_schema), required=True),
        "first_page_url": fields.String(required=True),
        "from": fields.Integer(required=True, allow_none=True),
        "last_page": fields.Integer(required=True),
        "last_page_url": fields.String(required=True),
        "next_page_url": fields.String(required=True, **_URL),
        "path": fields.String(required=True),
        "per_page": fields.Integer(required=True),
        "prev_page_url": fields.String(required=True, **_URL),
        "to": fields.Integer(required=True, allow_none=True),
        "total": fields.Integer(required=True),
    }
    name = f"{_base_name(item_schema)}{_base_name(extra) if extra else ''}Page"
    page = Schema.from_dict(attrs, name=name)
    return page if extra is None else type(name, (page, extra), {})


def _base_name(schema):
    name = schema.__name__
    return name[:-len("Schema")] if name.endswith("Schema") else name
