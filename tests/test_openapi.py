"""GET /openapi.json: a valid OpenAPI 3.1 document, generated from the marshmallow schemas, with
every route of the URL map and its methods, under both CLIENT_SHAPES settings."""
import inspect
import re

import pytest
from openapi_spec_validator import validate

from wms.openapi import UNDOCUMENTED, document

METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def routes(app):
    """(OpenAPI path, method) of every rule of the URL map but the static files and /docs
    assets."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(UNDOCUMENTED):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods & METHODS:
            yield path, method.lower()


@pytest.mark.parametrize("shapes", ["spec", "clients-2019"])
def test_the_document_is_valid_and_has_every_route(make_app, shapes):
    app = make_app(CLIENT_SHAPES=shapes)
    response = app.test_client().get("/openapi.json")
    assert response.status_code == 200
    spec = response.json
    validate(spec)
    assert spec["openapi"] == "3.1.0"
    missing = [(path, method) for path, method in routes(app)
               if method not in spec["paths"].get(path, {})]
    assert missing == []
    assert len(spec["paths"]) >= 60
    assert shapes in spec["info"]["description"]


def test_security_schemes(client):
    schemes = client.get("/openapi.json").json["components"]["securitySchemes"]
    assert schemes["bearer"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                                 "description": schemes["bearer"]["description"]}
    flows = schemes["oauth2"]["flows"]
    assert flows["clientCredentials"]["tokenUrl"] == "/oauth/token"
    assert flows["password"]["tokenUrl"] == "/oauth/token"
    assert schemes["session"]["in"] == "cookie"


def operation(spec, path, method="get"):
    return spec["paths"][path][method]


def schema_of(spec, answer):
    ref = answer["content"]["application/json"]["schema"]
    if "$ref" in ref:
        return spec["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]
    return ref


def test_a_warehouse_route_in_detail(client):
    spec = client.get("/openapi.json").json
    getall = operation(spec, "/api/v1/warehouses/getall")
    assert {"bearer": []} in getall["security"] and {"oauth2": []} in getall["security"]
    assert {p["name"] for p in getall["parameters"]} == {"store_id"}
    page = schema_of(spec, getall["responses"]["200"])
    assert list(page["properties"]) == [
        "current_page", "data", "first_page_url", "from", "last_page", "last_page_url",
        "next_page_url", "path", "per_page", "prev_page_url", "to", "total"]
    assert page["properties"]["next_page_url"]["type"] == ["string", "null"]
    assert {"400", "401", "403", "500", "503"} <= set(getall["responses"])
    error = schema_of(spec, getall["responses"]["401"])
    assert error["required"] == ["message"]

    store = operation(spec, "/api/v1/warehouses/store", "post")
    body = store["requestBody"]["content"]["application/json"]["schema"]
    fields = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert set(fields["required"]) == {"name", "store_id"}
    assert "201" in store["responses"]


def test_oauth_routes_answer_oauth_errors(client):
    spec = client.get("/openapi.json").json
    token = operation(spec, "/oauth/token", "post")
    assert token["security"] == []
    assert set(schema_of(spec, token["responses"]["401"])["properties"]) == {
        "error", "error_description", "hint", "message"}


@pytest.mark.parametrize("shapes, racks, other", [
    ("spec", "RackPage", "array of RackTotalSchema"),
    ("clients-2019", None, "RackPage"),
])
def test_client_shapes_decide_what_is_documented(make_app, shapes, racks, other):
    spec = make_app(CLIENT_SHAPES=shapes).test_client().get("/openapi.json").json
    getracks = operation(spec, "/api/v1/warehouselocations/getracks")
    schema = getracks["responses"]["200"]["content"]["application/json"]["schema"]
    if racks:
        assert schema == {"$ref": f"#/components/schemas/{racks}"}
    else:
        assert schema["type"] == "array"
    assert other in getracks["description"]


def test_the_document_is_built_once(app):
    with app.app_context():
        assert document(app) is document(app)


# Read by Authlib, not by a view: they describe its parameters (the pages read PageSchema).
NOT_LOADED_BY_VIEWS = {"TokenRequestSchema", "TokenHintSchema", "PageSchema"}


def test_views_document_the_schemas_they_load(app):
    """A view's documented query or body schema is one its module validates with: no second
    copy to drift from."""
    wrong = []
    for endpoint, view in app.view_functions.items():
        spec = getattr(view, "openapi", None)
        if spec is None:
            continue
        source = inspect.getsource(inspect.getmodule(inspect.unwrap(view)))
        for schema in (spec.query, spec.body):
            name = getattr(schema, "__name__", None)
            if name and name not in NOT_LOADED_BY_VIEWS and f"{name}()" not in source \
                    and f"shape({name})" not in source:
                wrong.append((endpoint, name))
    assert wrong == []


def test_docs_page_loads_swagger_ui_from_this_server(client):
    page = client.get("/docs")
    assert page.status_code == 200
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "unsafe" not in csp
    html = page.get_data(as_text=True)
    assert "<script>" not in html and "//" not in html.replace("http://", "")
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert f'src="/docs/assets/{asset}"' in html or f'href="/docs/assets/{asset}"' in html
        answer = client.get(f"/docs/assets/{asset}")
        assert answer.status_code == 200 and len(answer.data) > 10_000
        answer.close()
    script = client.get("/static/docs.js")
    assert b"SwaggerUIBundle" in script.data
    script.close()
