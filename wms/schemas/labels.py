"""The input of the location labels (GET /api/v1/warehouselocations/labels, flask wms labels)."""
from marshmallow import ValidationError, fields, validate, validates_schema

from wms.labels import MEDIA_TYPES, SHEETS, SYMBOLOGIES
from wms.schemas.fields import CODE_MAX, LocationCode, PositiveInt
from wms.schemas.warehouse import InputSchema

SELECTORS = ("rack", "mapped_string", "ids")


def _one_of(choices, default):
    return fields.String(validate=validate.OneOf(list(choices)), load_default=default)


class LabelQuerySchema(InputSchema):
    """Which locations: `ids[]`, or `warehouse_id` with `rack` or `mapped_string`; and how."""

    warehouse_id = PositiveInt(load_default=None)
    rack = PositiveInt(load_default=None)
    mapped_string = LocationCode(CODE_MAX, load_default=None)
    ids = fields.List(PositiveInt(), load_default=None, validate=validate.Length(min=1))
    format = _one_of(MEDIA_TYPES, "pdf")
    symbology = _one_of(SYMBOLOGIES, "code128")
    layout = _one_of(SHEETS, "label")

    @validates_schema
    def one_selection(self, data, **kwargs):
        given = [name for name in SELECTORS if data.get(name) is not None]
        errors = {}
        if not given:
            errors["ids"] = ["Give ids[], or warehouse_id with rack or mapped_string."]
        for name in given[1:]:
            errors[name] = ["Give only one of rack, mapped_string and ids[]."]
        if given[:1] in (["rack"], ["mapped_string"]) and data.get("warehouse_id") is None:
            errors["warehouse_id"] = ["Missing data for required field."]
        if data.get("layout") != "label" and data.get("format") != "pdf":
            errors["layout"] = ["Only PDF comes in layouts; leave it out for png and zpl."]
        if errors:
            raise ValidationError(errors)
