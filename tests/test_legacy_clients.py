"""The stores' 2019 web UI (W1-W24) and scanner app (A1-A6) against wms, replayed as spec/06
sections 4-5 say they call (query, JSON body, both, an empty JSON body, a bare token, a trailing
slash, CORS preflights), asserting what each client reads from the answer. With
CLIENT_SHAPES=clients-2019 (the `legacy` client); the same calls under `spec` still get
spec/01's shapes."""
import io
import json

import pypdfium2
import pytest
import sqlalchemy as sa

from wms import create_app
from wms.extensions import db
from wms.models import Product, Store, Variation, Warehouse, WarehouseLocation
from wms.services.clients import create_client
from wms.services.users import create_user

BASE = "/api/v1"
APP_EMAIL, APP_PASSWORD = "picker@store.example", "scanner pass 1"


@pytest.fixture
def legacy(config_class, _schema, app):
    """A test client of a server speaking CLIENT_SHAPES=clients-2019 (on `app`'s database,
    which `app` empties afterwards)."""
    class Config(config_class):
        CLIENT_SHAPES = "clients-2019"

    return create_app(Config).test_client()


@pytest.fixture
def store30(app, demo):
    """The web UI's warehouse picker asks for store 30's warehouses."""
    with app.app_context():
        db.session.add(Store(id=30, name="Tienda centro", number="0030"))
        db.session.add(Warehouse(id=30, name="Bodega centro", store_id=30))
        db.session.commit()


@pytest.fixture
def token(client, oauth_client):
    """The web UI's static token: client credentials of the store's client."""
    app_client, secret = oauth_client
    return client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": app_client.id,
        "client_secret": secret}).json["access_token"]


@pytest.fixture
def web(token):
    """The web UI's headers on every call."""
    return {"Accept": "application/json", "Content-Type": "application/json",
            "Authorization": f"Bearer {token}"}


@pytest.fixture
def raw(token):
    """W16 and W18 send the token with no scheme."""
    return {"Accept": "application/json", "Content-type": "application/json; charset=UTF-8",
            "Authorization": token}


@pytest.fixture
def scanner(app, client):
    """A1: the app signs in with the password grant of client 2 (its id and secret are built
    in: a JSON body, `client_id` the string "2", no scope) and builds its header from
    token_type."""
    with app.app_context():
        create_user(name="Picker", email=APP_EMAIL, password=APP_PASSWORD)
        _client, secret = create_client(name="Scanner app", password=True, client_id=2,
                                        secret="the-secret-built-into-the-2019-app-x1")
    response = client.post("/oauth/token", headers={"Accept": "application/json"}, json={
        "grant_type": "password", "client_id": "2", "client_secret": secret,
        "username": APP_EMAIL, "password": APP_PASSWORD})
    assert response.status_code == 200, response.json
    body = response.json
    assert body["token_type"] == "Bearer" and isinstance(body["expires_in"], int)
    assert body["access_token"] and body["refresh_token"]
    return {"Accept": "application/json",
            "Authorization": f"{body['token_type']} {body['access_token']}"}


def app_post(scanner):
    return {**scanner, "Content-Type": "application/json"}


def location_id(app, code, warehouse_id=1):
    with app.app_context():
        return db.session.scalar(sa.select(WarehouseLocation.id).where(
            WarehouseLocation.warehouse_id == warehouse_id,
            WarehouseLocation.mapped_string == code))


# --- Web UI ------------------------------------------------------------------------------------

def test_w1_w2_warehouses_for_the_picker_and_the_table(legacy, store30, web):
    picker = legacy.get(f"{BASE}/warehouses/getall?store_id=30", headers=web).json
    assert [(w["id"], w["name"]) for w in picker["data"]] == [(30, "Bodega centro")]

    table = legacy.get(f"{BASE}/warehouses/getall?per_page=10&page=1", headers=web).json
    assert table["current_page"] == 1 and table["total"] == 2
    for row in table["data"]:
        assert row["store"]["number"] and row["store"]["name"]  # never a null store
        assert isinstance(row["id"], int) and row["name"]


def test_w3_a_new_warehouse_from_the_query_and_the_body(legacy, store30, web):
    response = legacy.post(f"{BASE}/warehouses/store?store_id=30", headers=web,
                           json={"name": "Bodega norte"})
    assert response.status_code in (200, 201)  # the UI checks response.ok
    assert response.json["name"] == "Bodega norte" and response.json["store_id"] == 30


def test_w4_mapping_a_rack_with_an_empty_json_body(legacy, demo, web):
    response = legacy.post(f"{BASE}/warehouselocations/maplocations?blocks=3&levels=4&sides=2"
                           "&warehouse_id=1", headers=web)
    assert response.status_code == 201
    assert response.json["message"]  # truthy: "La petición se realizó con éxito"


@pytest.mark.parametrize("query, status", [
    ("blocks=3&levels=4&sides=2&warehouse_id=", 400),     # no warehouse picked
    ("blocks=3&levels=60&sides=2&warehouse_id=1", 400),
    ("blocks=3&levels=4&sides=2&warehouse_id=99", 404),   # legacy: 400, shown as success
])
def test_w4_map_errors_carry_error_message_and_no_message(legacy, demo, web, query, status):
    response = legacy.post(f"{BASE}/warehouselocations/maplocations?{query}", headers=web)
    assert response.status_code == status
    body = response.json
    assert "message" not in body
    assert body["error"]["message"] and body["success"] is False and body["status"] == status


def test_w4_under_spec_errors_keep_their_message(client, demo, web):
    response = client.post(f"{BASE}/warehouselocations/maplocations?blocks=3&levels=4&sides=2"
                           "&warehouse_id=99", headers=web)
    assert response.status_code == 404 and response.json == {"message": "La bodega no existe."}


def test_w5_the_location_table(legacy, demo, web):
    page = legacy.get(f"{BASE}/warehouselocations/getall?warehouse_id=1&per_page=10&page=1"
                      "&column=warehouse_id&order=asc&q=", headers=web).json
    assert page["per_page"] == 10 and page["current_page"] == 1 and page["total"] == 96
    for row in page["data"]:
        assert row["warehouse"]["store"]["name"] and row["warehouse"]["name"]
        assert row["rack"] and row["block"] and row["level"] and row["mapped_string"]
        assert row["active"] in (0, 1) and isinstance(row["id"], int)
    sorted_page = legacy.get(f"{BASE}/warehouselocations/getall?warehouse_id=1&per_page=10"
                             "&page=1&column=mapped_string&order=desc&q=r4", headers=web).json
    assert sorted_page["data"][0]["mapped_string"] == "R4-B3-N4"


def test_w6_racks_are_an_array_with_their_product_counts(legacy, demo, web):
    racks = legacy.get(f"{BASE}/warehouselocations/getracks?warehouse_id=1", headers=web).json
    assert isinstance(racks, list) and [r["rack"] for r in racks] == ["1", "2", "3", "4"]
    assert all(isinstance(r["total_items"], int) for r in racks)
    assert racks[0]["total_items"] >= 2  # R1-A1-N1 holds the shirt and the boxers
    searched = legacy.get(f"{BASE}/warehouselocations/getracks?warehouse_id=1&active=-1"
                          "&product=&sku=&category=0&subcategory=0", headers=web).json
    assert searched == racks


def test_w6_searching_the_map(legacy, demo, web):
    def totals(query):
        racks = legacy.get(f"{BASE}/warehouselocations/getracks?warehouse_id=1&{query}",
                           headers=web).json
        return [r["total_items"] for r in racks]

    everything = totals("active=-1&product=&sku=&category=0&subcategory=0")
    assert totals("active=-1&product=boxer&sku=&category=0&subcategory=0") == [1, 0, 0, 0]
    assert totals("active=-1&product=&sku=186170&category=0&subcategory=0") == [0, 0, 0, 1]
    assert sum(totals("active=-1&product=&sku=&category=4&subcategory=0")) < sum(everything)
    assert totals("active=-1&product=&sku=&category=0&subcategory=5") == totals(
        "active=-1&product=&sku=&category=4&subcategory=5")


def test_w7_blocks_are_an_array_of_numbers(legacy, demo, web):
    blocks = legacy.get(f"{BASE}/warehouselocations/getblocks?warehouse_id=1&rack=1"
                        "&per_page=15&order=asc&column=id&page=1", headers=web).json
    assert isinstance(blocks, list) and len(blocks) == 24
    for block in blocks:
        for key in ("id", "rack", "block", "level", "active", "items_count"):
            assert type(block[key]) is int, key
        assert block["mapped_string"].startswith("R1-")
    assert max(b["level"] for b in blocks) == 4
    first = blocks[0]
    assert first["mapped_string"] == "R1-A1-N1" and first["items_count"] == 3
    boxers = legacy.get(f"{BASE}/warehouselocations/getblocks?warehouse_id=1&active=-1"
                        "&product=boxer&sku=&category=0&subcategory=0&rack=1&per_page=15"
                        "&order=asc&column=id&page=1", headers=web).json
    assert [b["items_count"] for b in boxers if b["mapped_string"] == "R1-A1-N1"] == [1]


def test_w8_a_blocks_products(legacy, demo, web):
    page = legacy.get(f"{BASE}/locationvariation/getitemsinlocation?warehouse_id=1"
                      "&mapped_string=R1-A1-N1&per_page=15&order=asc&column=id&page=1",
                      headers=web).json
    assert page["mapped_string"] == "R1-A1-N1"
    assert [p["id"] for p in page["data"]] == [3714, 5729, 9019]
    for product in page["data"]:
        assert isinstance(product["images"], list) and len(product["images"]) == 1
        assert product["images"][0]["file"].endswith(".jpg")
        for key in ("internal_reference", "provider", "name", "parent_name", "family",
                    "colors_es"):
            assert key in product
        for variation in product["variations"]:
            assert {"id", "sku", "name", "stock", "price"} <= set(variation)


def test_w9_the_inventory_is_a_paginator_of_products(legacy, demo, web):
    page = legacy.get(f"{BASE}/locationvariation/getall?per_page=10&order=asc&column=id&page=1"
                      "&active=0", headers=web).json
    assert page["per_page"] == 10 and page["current_page"] == 1
    assert page["total"] > 10 and len(page["data"]) == 10
    shirt = page["data"][0]
    assert shirt["id"] == 3714 and shirt["images"][0]["file"] == "325ade57db14d47.jpg"
    assert [loc["warehouselocation"]["mapped_string"] for loc in shirt["locations"]] == [
        "R1-A1-N1"]
    [variation] = shirt["variations"]
    assert variation["sku"] == "1921176" and variation["name"] == "XGD"
    assert variation["locations"][0]["warehouselocation"]["mapped_string"] == "R1-A1-N1"
    generated = next(p for p in page["data"] if p["id"] > 9000)
    assert generated["provider"] and generated["family"] and generated["colors_es"]
    price = generated["variations"][0]["price"]
    assert isinstance(price, str) and price.endswith(".90")


def test_w9_searching_the_inventory(legacy, app, demo, web):
    with app.app_context():
        db.session.add(Product(id=7777, name="Sin ubicar", variations=[
            Variation(id=77770, sku="7777000", name="UNI")]))
        db.session.commit()

    def ids(query):
        page = legacy.get(f"{BASE}/locationvariation/getall?per_page=50&order=asc&column=id"
                          f"&page=1&{query}", headers=web).json
        return [p["id"] for p in page["data"]]

    located = ids("active=-1&subcategory=-1&department=-1")
    assert ids("active=-1&sku=1861705&subcategory=-1&department=-1") == [4410]
    assert ids("active=-1&name=boxer&subcategory=-1&department=-1") == [5729]
    assert ids("active=-1&sku=DEMO-03&subcategory=-1&department=-1") == [9003]
    unlocated = ids("active=-1&notLocated=true&subcategory=-1&department=-1")
    assert unlocated == [7777]   # the legacy flag did not filter
    assert set(ids("active=-1&subcategory=5&department=4")) < set(located)
    assert ids("active=1&subcategory=-1&department=-1") == [
        p for p in located if p in (9010, 9020, 9030, 9040)]


def test_w10_switching_a_location_off_with_an_empty_body(legacy, app, demo, web):
    target = location_id(app, "R1-A1-N3")
    response = legacy.post(f"{BASE}/warehouselocations/editlocationactive?id={target}"
                           "&chk=false", headers=web)
    assert response.is_json and response.json["active"] == 0


def test_w11_w12_editing_and_deleting_a_warehouse(legacy, app, store30, web):
    edited = legacy.post(f"{BASE}/warehouses/update?warehouse_id=30&name=Bodega%20sur"
                         "&store_id=1", headers=web, json={
                             "id": 30, "name": "Bodega sur", "store_id": 30,
                             "store": {"id": 30, "name": "Tienda centro"},
                             "tableData": {"id": 1}})
    assert edited.status_code == 200
    assert edited.json["name"] == "Bodega sur" and edited.json["store_id"] == 30  # body wins

    full = legacy.post(f"{BASE}/warehouses/destroy?warehouse_id=1", headers=web,
                       json={"id": 1, "name": "Bodega1", "per_page": 10})
    assert full.status_code == 409  # its locations hold placements
    legacy.post(f"{BASE}/warehouselocations/maplocations?blocks=1&levels=1&sides=1"
                "&warehouse_id=30", headers=web)
    gone = legacy.post(f"{BASE}/warehouses/destroy?warehouse_id=30", headers=web,
                       json={"id": 30, "name": "Bodega sur", "per_page": 10})
    assert gone.status_code == 200 and gone.json == {"message": "Ok."}
    with app.app_context():
        assert db.session.get(Warehouse, 30) is None
        assert db.session.scalar(sa.select(sa.func.count(WarehouseLocation.id)).where(
            WarehouseLocation.warehouse_id == 30)) == 0


def test_w13_stores_sorted_by_number(legacy, store30, web):
    stores = legacy.get(f"{BASE}/stores/getallstores?column=number&order=asc", headers=web).json
    assert [(s["id"], s["number"], s["name"]) for s in stores] == [
        (30, "0030", "Tienda centro"), (1, "10060", "CENTRO DE DISTRIBUCION")]


def test_w14_w15_departments_and_their_subcategories(legacy, demo, web):
    departments = legacy.get(f"{BASE}/categories/parent", headers=web).json
    assert [(c["id"], c["name"]) for c in departments] == [(4, "Hombre"), (1, "Mujer")]
    children = legacy.get(f"{BASE}/categories/child/4", headers=web).json
    assert [(c["id"], c["name"]) for c in children] == [(5, "Playeras"), (6, "Ropa interior")]
    assert legacy.get(f"{BASE}/categories/child/-1", headers=web).json == []


def test_w16_the_dashboard_counts_with_a_bare_token(legacy, demo, raw):
    body = legacy.get(f"{BASE}/locationvariation/getsummary?warehouse_id=1", headers=raw).json
    assert body["warehousesCount"] == 1 and body["storesCount"] == 1
    assert body["warehouseLocationsCount"] == 96 and body["productsLocatedCount"] > 0


def test_w17_the_latest_located_products(legacy, demo, web, scanner):
    legacy.post(f"{BASE}/locationvariation/locateitemscan", headers=app_post(scanner), json={
        "warehouse_id": 1, "mapped_string": "R2-B1-N1", "sku": "2000031",
        "withSiblings": False})
    page = legacy.get(f"{BASE}/locationvariation/getlatest?warehouse_id=1&per_page=10&page=1"
                      "&column=warehouse_id&order=asc&q=", headers=web).json
    assert page["per_page"] == 10 and page["current_page"] == 1 and page["total"] > 10
    latest = page["data"][0]
    assert latest["id"] == 9003  # truly the latest
    assert latest["variations"][0]["sku"] == "2000031"
    assert latest["variations"][0]["locations"][0]["updated_at"]
    for row in page["data"]:
        assert row["variations"][0]["locations"][0]["updated_at"]  # read unguarded
        assert all(loc["warehouselocation"]["mapped_string"] for loc in row["locations"])
        assert "provider" in row and "colors_es" in row and "internal_reference" in row
    second = legacy.get(f"{BASE}/locationvariation/getlatest?warehouse_id=1&per_page=10"
                        "&page=2&column=warehouse_id&order=asc&q=", headers=web).json
    assert not {r["id"] for r in second["data"]} & {r["id"] for r in page["data"]}


def test_w18_a_product_sticker_is_a_pdf(legacy, demo, raw):
    response = legacy.get(f"{BASE}/locationvariation/printsticker?product_id=9003"
                          "&format=portrait", headers=raw)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = pypdfium2.PdfDocument(io.BytesIO(response.data))
    assert len(pdf) == 1
    text = pdf[0].get_textpage().get_text_range()
    assert "2000030" in text and "Producto demo 03" in text
    landscape = legacy.get(f"{BASE}/locationvariation/printsticker?product_id=9003"
                           "&format=landscape", headers=raw)
    assert len(pypdfium2.PdfDocument(io.BytesIO(landscape.data))) == 3  # a label each
    bad = legacy.get(f"{BASE}/locationvariation/printsticker?product_id=abc", headers=raw)
    assert bad.status_code == 400
    assert bad.json["errors"] == {"product_id": ["product_id debe tener un valor numérico"]}


# --- Scanner app -------------------------------------------------------------------------------

def test_a3_scanning_a_location(legacy, demo, scanner):
    page = legacy.get(f"{BASE}/locationvariation/getitemsinlocation?warehouse_id=1"
                      "&mapped_string=R1-A1-N1", headers=scanner).json
    assert isinstance(page["warehouselocation_id"], int)
    assert (page["rack"], page["block"], page["level"]) == (1, 1, 1)
    assert page["mapped_string"] == "R1-A1-N1" and page["per_page"] == 20
    for product in page["data"]:
        assert product["id"] and product["name"] and isinstance(product["images"], list)
        assert "internal_reference" in product
        assert all(v["name"] for v in product["variations"])


def test_a4_the_product_of_a_scanned_sku_or_style(legacy, demo, scanner):
    body = legacy.get(f"{BASE}/locationvariation/getlocationsofproduct?sku=2000030",
                      headers=scanner).json
    assert body["name"] == "Producto demo 03" and body["internal_reference"] == "DEMO-03"
    assert isinstance(body["firstimg"], list) and body["firstimg"][0]["file"] == "demo-03-1.jpg"
    for key in ("provider", "colors_es", "parent_name", "family"):
        assert body[key]
    assert [v["sku"] for v in body["variations"]] == ["2000030", "2000031", "2000032"]
    assert all("stock" in v and v["name"] for v in body["variations"])
    assert all(loc["warehouselocation"]["mapped_string"] for loc in body["locations"])
    by_style = legacy.get(f"{BASE}/locationvariation/getlocationsofproduct?sku=DEMO-03",
                          headers=scanner).json
    assert by_style == body
    missing = legacy.get(f"{BASE}/locationvariation/getlocationsofproduct?sku=9999999",
                         headers=scanner)
    assert missing.status_code == 404  # legacy: 500, or {} that crashed the app


def test_a5_locating_asks_before_placing_the_siblings(legacy, demo, scanner):
    body = {"warehouse_id": 1, "mapped_string": "R3-A1-N1", "sku": "2000031",
            "withSiblings": False}
    first = legacy.post(f"{BASE}/locationvariation/locateitemscan", headers=app_post(scanner),
                        json=body)
    assert first.status_code == 200
    [product] = first.json
    assert product["id"] == 9003 and product["name"] and product["internal_reference"]
    assert [v["name"] for v in product["variations"]] == ["MED"]

    again = legacy.post(f"{BASE}/locationvariation/locateitemscan", headers=app_post(scanner),
                        json=body)
    assert again.status_code == 302
    assert again.json == {"message": "El producto ya se encuentra ubicado aqui"}

    siblings = legacy.post(f"{BASE}/locationvariation/locateitemscan",
                           headers=app_post(scanner), json={**body, "withSiblings": True})
    assert siblings.status_code == 200
    assert [v["name"] for v in siblings.json[0]["variations"]] == ["MED", "CH", "GDE"]


def test_a5_a_style_code_places_every_size(legacy, demo, scanner):
    response = legacy.post(f"{BASE}/locationvariation/locateitemscan",
                           headers=app_post(scanner), json={
                               "warehouse_id": 1, "mapped_string": "R3-A1-N2",
                               "sku": "DEMO-05", "withSiblings": False})
    assert response.status_code == 200
    assert [v["sku"] for v in response.json[0]["variations"]] == ["2000050", "2000051",
                                                                  "2000052"]
    unknown = legacy.post(f"{BASE}/locationvariation/locateitemscan",
                          headers=app_post(scanner), json={
                              "warehouse_id": 1, "mapped_string": "R3-A1-N2", "sku": "1234567",
                              "withSiblings": False})
    assert unknown.status_code == 404 and unknown.json["message"]  # shown with the sku


def test_a6_removing_reads_message_product_id_and_deleted_size(legacy, app, demo, scanner):
    where = legacy.get(f"{BASE}/locationvariation/getitemsinlocation?warehouse_id=1"
                       "&mapped_string=R4-A2-N4", headers=scanner).json["warehouselocation_id"]
    response = legacy.post(f"{BASE}/locationvariation/removeitemfromlocation",
                           headers=app_post(scanner), json={
                               "warehouse_id": 1, "sku": "1861705",
                               "warehouselocation_id": where, "withSiblings": False})
    assert response.status_code == 200
    assert response.json["message"]["product_id"] == 4410
    assert response.json["message"]["deletedSize"] == "MED"


def test_a1_wrong_credentials_are_a_401(client, scanner):
    response = client.post("/oauth/token", headers={"Accept": "application/json"}, json={
        "grant_type": "password", "client_id": "2",
        "client_secret": "the-secret-built-into-the-2019-app-x1", "username": APP_EMAIL,
        "password": "wrong password"})
    assert response.status_code == 401 and response.json["error"] == "invalid_credentials"


# --- Both clients ------------------------------------------------------------------------------

CALLED = ["warehouses/getall", "warehouses/store", "warehouses/update", "warehouses/destroy",
          "warehouselocations/maplocations", "warehouselocations/getall",
          "warehouselocations/getracks", "warehouselocations/getblocks",
          "warehouselocations/editlocationactive", "locationvariation/getitemsinlocation",
          "locationvariation/getall", "locationvariation/getsummary",
          "locationvariation/getlatest", "locationvariation/printsticker",
          "locationvariation/getlocationsofproduct", "locationvariation/locateitemscan",
          "locationvariation/removeitemfromlocation", "stores/getallstores",
          "categories/parent", "categories/child/4"]


@pytest.mark.parametrize("path", CALLED)
def test_every_call_is_preflighted_without_a_token(legacy, path):
    response = legacy.options(f"{BASE}/{path}", headers={
        "Origin": "https://ui.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] in ("*", "https://ui.example")


@pytest.mark.parametrize("path", ["stores/getallstores/", "categories/parent/",
                                  "warehouselocations/getracks/?warehouse_id=1"])
def test_trailing_slashes_are_optional(legacy, demo, web, path):
    assert legacy.get(f"{BASE}/{path}", headers=web).status_code == 200


def test_without_a_token_every_call_is_a_json_401(legacy):
    for path in CALLED:
        response = legacy.get(f"{BASE}/{path}")
        assert response.status_code in (401, 405), path
        if response.status_code == 401:
            assert response.json == {"message": "Unauthenticated."}


# --- Under spec, the six routes keep spec/01's shapes --------------------------------------------

def test_under_spec_the_six_routes_keep_the_spec_shapes(client, demo, web):
    racks = client.get(f"{BASE}/warehouselocations/getracks?warehouse_id=1", headers=web).json
    assert racks["data"][0] == {"rack": "1"} and racks["total"] == 4
    blocks = client.get(f"{BASE}/warehouselocations/getblocks?warehouse_id=1&rack=1",
                        headers=web).json
    assert blocks[0]["level"] == "1" and blocks[0]["items_count"] == 3
    inventory = client.get(f"{BASE}/locationvariation/getall?per_page=1", headers=web).json
    assert set(inventory["data"][0]) == {"id", "warehouselocation_id", "variation_id",
                                         "created_at", "updated_at", "variation",
                                         "warehouselocation"}
    items = client.get(f"{BASE}/locationvariation/getitemsinlocation?warehouse_id=1"
                       "&mapped_string=R1-A1-N1", headers=web).json
    assert "warehouselocation_id" not in items
    assert items["data"][0]["variation"]["product"]["images"]
    body = {"warehouse_id": 1, "mapped_string": "R3-A1-N1", "sku": "2000031"}
    located = client.post(f"{BASE}/locationvariation/locateitemscan", headers=web, json=body)
    again = client.post(f"{BASE}/locationvariation/locateitemscan", headers=web, json=body)
    assert located.status_code == again.status_code == 200
    assert again.json["id"] == located.json["id"] and "variation_id" in located.json


def test_the_setting_is_checked_at_start(config_class):
    class Config(config_class):
        CLIENT_SHAPES = "clients-2020"

    with pytest.raises(RuntimeError, match="CLIENT_SHAPES"):
        create_app(Config)


def test_wms_info_shows_the_setting(legacy, runner):
    result = runner.invoke(args=["wms", "info", "--json"])
    assert json.loads(result.output)["client_shapes"] == "spec"
    result = legacy.application.test_cli_runner().invoke(args=["wms", "info", "--json"])
    assert json.loads(result.output)["client_shapes"] == "clients-2019"


@pytest.mark.parametrize("route", [
    "locationvariation/getall?active=-1",
    "locationvariation/getitemsinlocation?warehouse_id=1&mapped_string=R1-A1-N1",
    "locationvariation/getlatest?warehouse_id=1",
    "warehouselocations/getracks?warehouse_id=1&product=demo",
    "warehouselocations/getblocks?warehouse_id=1&rack=2&sku=200",
])
def test_the_clients_lists_run_the_same_statements_at_any_page_size(legacy, demo, web,
                                                                    count_queries, route):
    counts = set()
    for per_page in (1, 10, 50):
        with count_queries() as statements:
            response = legacy.get(f"{BASE}/{route}&per_page={per_page}", headers=web)
        assert response.status_code == 200
        counts.add(len(statements))
    assert len(counts) == 1, counts
