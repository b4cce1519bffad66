"""A schema's `dump` as one generated function, with marshmallow's results.

marshmallow dumps a value through five calls per field (serialize, get_value, the schema's
get_attribute, the key lookup, _serialize); a page of 15 placements with their variation,
product, images, location, warehouse and store is nearly 800 values, and dumping them was a
third of the request (bench/layers.py). `compile_dump` reads a schema's fields once and
writes a function that does, for each field, what marshmallow does for it:

- the value: `getattr(obj, attribute)` for an object without `__getitem__` (a model),
  marshmallow's own lookup otherwise (a dict, a row); absent: the field's `dump_default`, else
  left out;
- Integer, String, DateTime with a strftime format, Boolean, Raw: their `_serialize` written
  inline; Nested (and List of those): the nested schema's generated function;
- any other field (Function, Method, Pluck, Decimal, a custom `_serialize`, a dotted
  attribute...): the field's own `serialize`, as marshmallow calls it.

A schema with dump hooks or its own `get_attribute`, `dump` or `_serialize` keeps marshmallow's
dump; so does a field with its own `serialize` or `get_value`, and a nested schema deeper than
MAX_DEPTH (one that nests itself).
tests/test_compiled_dump.py checks every schema of wms against marshmallow's dump.
"""
from marshmallow import Schema, fields, missing, utils
from marshmallow.decorators import POST_DUMP, PRE_DUMP

_NUMBER_SERIALIZE = fields.Number._serialize
_PLAIN_SERIALIZE = fields.Field._serialize


def compile_dump(schema):
    """`schema.dump`'s equivalent, `dump(obj, *, many=None)`, or `schema.dump` itself when the
    schema does something the generated code does not."""
    one = _compile_one(schema, {})
    if one is None:
        return schema.dump
    default_many = schema.many

    def dump(obj, *, many=None):
        many = default_many if many is None else bool(many)
        if many and obj is not None:
            return [one(item) for item in obj]
        return one(obj)

    return dump


def _plain(schema):
    """Whether the generated code does all that `schema.dump` does."""
    kind = type(schema)
    return (not schema._hooks[PRE_DUMP] and not schema._hooks[POST_DUMP]
            and kind.get_attribute is Schema.get_attribute and kind.dump is Schema.dump
            and kind._serialize is Schema._serialize and schema.dict_class is dict)


def _plain_field(field):
    """Whether the field reads its value as marshmallow's Field does."""
    kind = type(field)
    return kind.serialize is fields.Field.serialize and kind.get_value is fields.Field.get_value


# Nested schemas deeper than this (a schema that nests itself) keep marshmallow's dump.
MAX_DEPTH = 8


def _compile_one(schema, compiled, depth=0):
    """The function dumping one object for `schema`, or None. `compiled` holds the functions
    already written, by schema instance (a nested schema is written once)."""
    if id(schema) in compiled:
        return compiled[id(schema)]
    if not _plain(schema) or depth > MAX_DEPTH:
        return None
    names = {"_missing": missing, "_lookup": utils.get_value, "_getattr": getattr,
             "_hasattr": hasattr, "_str": str, "_int": int, "_bytes": bytes}
    lines = ["def dump_one(obj):",
             "    ret = {}",
             "    get = _getattr if not _hasattr(obj, '__getitem__') else _lookup"]
    for number, (name, field) in enumerate(schema.dump_fields.items()):
        key = field.data_key if field.data_key is not None else name
        attribute = field.attribute if field.attribute is not None else name
        code = _field_code(field, f"_f{number}", names, compiled, depth) \
            if _plain_field(field) else None
        if code is None or "." in attribute or not field._CHECK_ATTRIBUTE:
            names[f"_field{number}"], names[f"_name{number}"] = field, name
            lines += [f"    value = _field{number}.serialize(_name{number}, obj, "
                      "accessor=_accessor)",
                      "    if value is not _missing:",
                      f"        ret[{key!r}] = value"]
            names["_accessor"] = schema.get_attribute
            continue
        lines.append(f"    value = get(obj, {attribute!r}, _missing)")
        if field.dump_default is not missing:
            names[f"_default{number}"] = field.dump_default
            default = (f"_default{number}()" if callable(field.dump_default)
                       else f"_default{number}")
            lines += ["    if value is _missing:", f"        value = {default}"]
        lines += ["    if value is not _missing:", f"        ret[{key!r}] = {code}"]
    lines.append("    return ret")
    exec("\n".join(lines), names)  # noqa: S102 - code written above from field names only
    compiled[id(schema)] = names["dump_one"]
    return names["dump_one"]


def _field_code(field, prefix, names, compiled, depth):
    """An expression turning `value` into what `field._serialize` returns, or None."""
    kind = type(field)
    serialize = kind._serialize
    if isinstance(field, fields.Integer) and serialize is _NUMBER_SERIALIZE \
            and kind._format_num is fields.Number._format_num and kind.num_type is int \
            and not field.as_string:
        return "value if type(value) is int else None if value is None else _int(value)"
    if isinstance(field, fields.String) and serialize is fields.String._serialize:
        return ("value if type(value) is str else None if value is None else "
                "value.decode('utf-8') if isinstance(value, _bytes) else _str(value)")
    if isinstance(field, fields.DateTime) and serialize is fields.DateTime._serialize:
        data_format = field.format or field.DEFAULT_FORMAT
        if data_format in field.SERIALIZATION_FUNCS:
            return None
        names[f"{prefix}_format"] = data_format
        return f"None if value is None else value.strftime({prefix}_format)"
    if serialize is _PLAIN_SERIALIZE:  # Boolean, Raw
        return "value"
    if kind is fields.Nested:
        return _nested_code(field.schema, field.schema.many or field.many, prefix, names,
                            compiled, depth)
    if kind is fields.List and type(field.inner) is fields.Nested:
        inner = field.inner
        if inner.schema.many or inner.many:
            return None
        if _nested_code(inner.schema, False, prefix, names, compiled, depth) is None:
            return None
        return (f"None if value is None else [None if item is None else {prefix}_dump(item) "
                "for item in value]")
    return None


def _nested_code(schema, many, prefix, names, compiled, depth):
    one = _compile_one(schema, compiled, depth + 1)
    if one is None:
        return None
    names[f"{prefix}_dump"] = one
    if many:
        return f"None if value is None else [{prefix}_dump(item) for item in value]"
    return f"None if value is None else {prefix}_dump(value)"
