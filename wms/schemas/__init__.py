"""marshmallow schemas: the JSON shapes of every answer and the inputs of every route.

Building a schema copies its fields, which costs more than dumping a page of rows: views and
schemas use one instance per schema (`shape`), made at first use and reused (marshmallow
schemas keep no state between loads and dumps).
"""
import functools


@functools.cache
def shape(schema_class, many=False):
    """The shared instance of `schema_class` (with `many`)."""
    return schema_class(many=many)
