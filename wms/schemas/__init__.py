"""marshmallow schemas: the JSON shapes of every answer and the inputs of every route.

Building a schema copies its fields, which costs more than dumping a page of rows: views and
schemas use one instance per schema (`shape`), made at first use and reused (marshmallow
schemas keep no state between loads and dumps). That instance dumps with a function written
once from its fields (`wms.schemas.compiled`), which gives marshmallow's result in a fraction
of its time; it loads as marshmallow does. Nest schema classes, never these instances: a
Nested field copies the instance it is given, generated dump included, which would ignore the
field's `only` and `exclude`.
"""
import functools

from wms.schemas.compiled import compile_dump


@functools.cache
def shape(schema_class, many=False):
    """The shared instance of `schema_class` (with `many`)."""
    schema = schema_class(many=many)
    schema.dump = compile_dump(schema)
    return schema
