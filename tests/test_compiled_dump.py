"""The generated dump functions (wms/schemas/compiled.py) answer what marshmallow's dump does:
for every schema of wms, on objects and dicts with every kind of value a field may meet (absent,
None, the right type, a type the field converts), and on the cases the generator leaves to
marshmallow."""
import importlib
import pkgutil
import random
from datetime import datetime
from types import SimpleNamespace

import pytest
from marshmallow import Schema, fields, missing, post_dump, pre_dump

import wms.schemas
from wms.schemas import shape
from wms.schemas.compiled import compile_dump


def _schema_classes():
    classes = []
    for module in pkgutil.iter_modules(wms.schemas.__path__):
        loaded = importlib.import_module(f"wms.schemas.{module.name}")
        for value in vars(loaded).values():
            if isinstance(value, type) and issubclass(value, Schema) \
                    and value.__module__ == loaded.__name__:
                classes.append(value)
    return sorted(set(classes), key=lambda cls: (cls.__module__, cls.__name__))


SCHEMAS = _schema_classes()


def _value(field, rng, depth):
    """A value for `field`: usually of its type, sometimes None, sometimes what it converts."""
    if rng.random() < 0.1:
        return None
    if isinstance(field, fields.Nested) and depth < 4:
        many = field.many or field.schema.many
        if many:
            return [_object(field.schema, rng, depth + 1) for _ in range(rng.randint(0, 3))]
        return _object(field.schema, rng, depth + 1)
    if isinstance(field, fields.List) and isinstance(field.inner, fields.Nested) and depth < 4:
        return [None if rng.random() < 0.1 else _object(field.inner.schema, rng, depth + 1)
                for _ in range(rng.randint(0, 3))]
    if isinstance(field, fields.Integer):
        return rng.choice([rng.randint(-5, 10**12), str(rng.randint(0, 99)), True, 7.9])
    if isinstance(field, fields.String):
        return rng.choice(["R1-A1-N1", "", "ñandú", 12, "bytes".encode(), 3.5])
    if isinstance(field, fields.DateTime):
        return datetime(rng.randint(1, 9999), rng.randint(1, 12), rng.randint(1, 28),
                        rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59),
                        rng.choice([0, 123456]))
    if isinstance(field, fields.Boolean):
        return rng.choice([True, False, 0, 1])
    return rng.choice(["text", 5, [1, 2], {"a": 1}])


def _object(schema, rng, depth=0):
    """A dict or an object with a value for most of `schema`'s dump fields."""
    values = {}
    for name, field in schema.dump_fields.items():
        if rng.random() < 0.08:
            continue  # absent: left out of the answer, or the field's default
        values[field.attribute or name] = _value(field, rng, depth)
    return values if rng.random() < 0.4 else SimpleNamespace(**values)


def _typed(value):
    """`value` with the type of each part beside it: True and 1, 1.0 and 1 differ."""
    if isinstance(value, dict):
        return {key: _typed(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [type(value).__name__, [_typed(item) for item in value]]
    return [type(value).__name__, value]


def _both(schema, dump, obj, **kwargs):
    """(marshmallow's result or exception type, the generated one's)."""
    answers = []
    for function in (schema.dump, dump):
        try:
            answers.append(function(obj, **kwargs))
        except Exception as e:  # a Function field's lambda on a synthetic object
            answers.append(type(e))
    return answers


@pytest.mark.parametrize("schema_class", SCHEMAS, ids=lambda cls: cls.__name__)
def test_every_schema_dumps_as_marshmallow_does(schema_class):
    rng = random.Random(schema_class.__name__)
    schema = schema_class()
    dump = compile_dump(schema)
    for _ in range(60):
        obj = _object(schema, rng)
        expected, got = _both(schema, dump, obj)
        assert _typed(got) == _typed(expected)
        objects = [_object(schema, rng) for _ in range(3)]
        expected, got = _both(schema, dump, objects, many=True)
        assert _typed(got) == _typed(expected)


def test_the_shared_instances_dump_with_the_generated_function():
    from wms.schemas.inventory import PlacementDetailSchema
    assert shape(PlacementDetailSchema, many=True).dump.__qualname__ == "compile_dump.<locals>.dump"
    assert shape(PlacementDetailSchema).dump(None) == PlacementDetailSchema().dump(None)


class Hooked(Schema):
    name = fields.String()

    @pre_dump
    def upper(self, data, **kwargs):
        return {"name": data["name"].upper()}


class PostHooked(Schema):
    name = fields.String()

    @post_dump
    def wrap(self, data, **kwargs):
        return {"wrapped": data}


class Options(Schema):
    """Keys, attributes, defaults and fields the generator leaves to marshmallow."""

    renamed = fields.Integer(data_key="otherName")
    source = fields.String(attribute="real_source")
    defaulted = fields.Integer(dump_default=7)
    called = fields.String(dump_default=lambda: "made")
    dotted = fields.String(attribute="inner.name")
    constant = fields.Constant("always")
    function = fields.Function(lambda obj: "f")
    decimal = fields.Decimal(as_string=True)
    as_string = fields.Integer(as_string=True)
    stamp = fields.DateTime(format="timestamp")
    iso = fields.DateTime()
    hooked = fields.Nested(Hooked)
    post_hooked = fields.List(fields.Nested(PostHooked))
    plucked = fields.Pluck(Hooked, "name", many=True)
    words = fields.List(fields.String())


def test_options_and_fields_left_to_marshmallow():
    schema = Options()
    dump = compile_dump(schema)
    obj = {"renamed": 3, "real_source": b"s", "inner": {"name": "n"}, "decimal": 2.5,
           "as_string": 4, "stamp": datetime(2026, 1, 2), "iso": datetime(2026, 1, 2, 3),
           "hooked": {"name": "h"}, "post_hooked": [{"name": "p"}, None],
           "plucked": [{"name": "a"}], "words": ["x", 1]}
    expected = schema.dump(obj)
    assert dump(obj) == expected
    assert expected["otherName"] == 3 and expected["defaulted"] == 7
    assert expected["called"] == "made" and expected["hooked"] == {"name": "H"}
    assert expected["post_hooked"] == [{"wrapped": {"name": "p"}}, None]
    assert dump(SimpleNamespace(**obj)) == schema.dump(SimpleNamespace(**obj))
    assert dump({}) == schema.dump({}) == {"defaulted": 7, "called": "made",
                                           "constant": "always", "function": "f"}


class OwnSerialize(Schema):
    a = fields.String()

    def _serialize(self, obj, *, many=False):
        return {"overridden": True}


class OwnGetValue(fields.String):
    def get_value(self, obj, attr, accessor=None, default=missing):
        return "own"


class OwnFieldAccess(Schema):
    a = OwnGetValue()
    b = fields.Integer()


class Cat(Schema):
    name = fields.String()
    mother = fields.Nested(lambda: Cat())


@pytest.mark.parametrize("schema_class", [Hooked, PostHooked, OwnSerialize])
def test_a_schema_that_dumps_its_own_way_keeps_marshmallows_dump(schema_class):
    schema = schema_class()
    assert compile_dump(schema) == schema.dump


def test_a_field_that_reads_its_own_way_is_left_to_marshmallow():
    schema = OwnFieldAccess()
    assert compile_dump(schema)({"a": "x", "b": 2}) == schema.dump({"a": "x", "b": 2}) == {
        "a": "own", "b": 2}


def test_a_schema_that_nests_itself():
    kitten = {"name": "0"}
    for generation in range(1, 30):
        kitten = {"name": str(generation), "mother": kitten}
    schema = Cat()
    assert compile_dump(schema)(kitten) == schema.dump(kitten)


def test_dict_keys_that_are_also_attributes_of_a_dict():
    """marshmallow reads a key a dict lacks as the dict's attribute (`items`): so does the
    generated function."""
    class Odd(Schema):
        items = fields.Raw()
        id = fields.Integer()

    schema = Odd()
    assert compile_dump(schema)({"id": 1}).keys() == schema.dump({"id": 1}).keys()
    assert compile_dump(schema)({"items": 2}) == schema.dump({"items": 2}) == {"items": 2}
    assert missing not in compile_dump(schema)(SimpleNamespace()).values()


READS = [
    "warehouses/getall", "warehouselocations/getracks?warehouse_id=1",
    "warehouselocations/getblocks?warehouse_id=1&rack=4",
    "warehouselocations/getall?warehouse_id=1&per_page=50",
    "warehouselocations/occupancy?warehouse_id=1&rack=4",
    "locationvariation/getall?per_page=50", "locationvariation/getall?warehouse_id=1",
    "locationvariation/getall?sku=1861705",
    "locationvariation/getitemsinlocation?warehouse_id=1&mapped_string=R4-A2-N4",
    "locationvariation/getlocationsofitem?sku=1861705", "locationvariation/history?per_page=50",
    "locationvariation/getsummary?warehouse_id=1", "locationvariation/getlatest?warehouse_id=1",
    "stores/getallstores", "categories/parent",
]


@pytest.mark.parametrize("shapes", ["spec", "clients-2019"])
def test_the_routes_answer_what_marshmallow_dumps(make_app, demo, auth, monkeypatch, shapes):
    """Every read of the warehouse API on the demo data, in both CLIENT_SHAPES, byte for byte
    the same with the generated dumps as with marshmallow's."""
    def answers():
        http = make_app(CLIENT_SHAPES=shapes).test_client()
        return [(path, response.status_code, response.data) for path in READS
                for response in [http.get(f"/api/v1/{path}", headers=auth)]]

    generated = answers()
    try:
        monkeypatch.setattr(wms.schemas, "compile_dump", lambda schema: schema.dump)
        shape.cache_clear()
        assert shape(Options).dump == shape(Options).dump  # marshmallow's bound method
        dumped = answers()
    finally:
        monkeypatch.undo()
        shape.cache_clear()
    assert [status for _path, status, _data in generated] == [200] * len(READS)
    assert generated == dumped
