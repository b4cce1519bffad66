"""JSON shape of /healthz and /readyz."""
from marshmallow import Schema, fields


class HealthSchema(Schema):
    status = fields.String(required=True)
    message = fields.String()
    database = fields.String()
    migrations = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
