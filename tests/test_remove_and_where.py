"""Removing SKUs from locations (the scanner app's form and the web's) and asking where a SKU
sits (locationvariation/removeitemfromlocation, locationvariation/getlocationsofitem)."""
import pytest
import sqlalchemy as sa

from wms.extensions import db
from wms.models import Movement, Placement, Product, Variation, WarehouseLocation

BASE = "/api/v1/locationvariation"
REMOVE = f"{BASE}/removeitemfromlocation"
WHERE = f"{BASE}/getlocationsofitem"
PLACED_SKU, PLACED_AT = "1861705", "R4-A2-N4"   # the demo places it there
BOXER, SHIRT = "1940121", "1921176"              # both in R1-A1-N1


def location_id(app, code):
    with app.app_context():
        return db.session.scalar(sa.select(WarehouseLocation.id).where(
            WarehouseLocation.warehouse_id == 1, WarehouseLocation.mapped_string == code))


def placed(app, sku):
    with app.app_context():
        return set(db.session.scalars(
            sa.select(WarehouseLocation.mapped_string)
            .join(Placement, Placement.warehouselocation_id == WarehouseLocation.id)
            .join(Variation, Placement.variation_id == Variation.id)
            .where(Variation.sku == sku)))


def ledger_since_demo(app):
    with app.app_context():
        return db.session.execute(
            sa.select(Movement.kind, Variation.sku, Movement.from_location_id,
                      Movement.to_location_id)
            .join(Variation, Movement.variation_id == Variation.id)
            .where(Movement.kind != "import").order_by(Movement.id)).all()


def locate(client, auth, sku, code):
    response = client.post(f"{BASE}/locateitemscan", headers=auth,
                           json={"warehouse_id": 1, "sku": sku, "mapped_string": code})
    assert response.status_code == 200, response.json
    return response.json


@pytest.fixture
def family(app, client, demo, auth):
    """Product 9001's three sizes (2000010, 2000011, 2000012) in R2-A1-N1, style DEMO-01-STYLE."""
    with app.app_context():
        db.session.get(Product, 9001).internal_reference = "DEMO-01-STYLE"
        db.session.commit()
    for sku in ("2000010", "2000011", "2000012"):
        locate(client, auth, sku, "R2-A1-N1")
    return location_id(app, "R2-A1-N1")


# Removing

def test_the_scanner_apps_form_removes_one_sku(app, client, demo, auth):
    """The app sends JSON with the location's id from getitemsinlocation and reads
    message.product_id and message.deletedSize."""
    where = location_id(app, PLACED_AT)
    response = client.post(REMOVE, headers=auth, json={
        "warehouse_id": 1, "sku": PLACED_SKU, "warehouselocation_id": where,
        "withSiblings": False})

    assert response.status_code == 200, response.json
    assert response.json["message"] == {"product_id": 4410, "deletedSize": "MED"}
    [removed] = response.json["removed"]
    assert removed["warehouselocation_id"] == where
    assert placed(app, PLACED_SKU) == set()
    assert ledger_since_demo(app) == [("remove", PLACED_SKU, where, None)]


def test_the_web_removes_by_warehouse_and_code_in_the_query(app, client, demo, auth):
    response = client.post(f"{REMOVE}?warehouse_id=1&mapped_string=r04-a02-n04&sku={SHIRT}",
                           headers=auth)
    assert response.status_code == 404  # the shirt is in R1-A1-N1, not there
    response = client.post(f"{REMOVE}?warehouse_id=1&mapped_string=R1-A1-N1&sku={SHIRT}",
                           headers=auth)
    assert response.status_code == 200, response.json
    assert placed(app, SHIRT) == set()
    assert placed(app, BOXER) == {"R1-A1-N1"}  # its neighbour stays


def test_with_siblings_removes_the_products_variations_there(app, client, auth, family):
    locate(client, auth, "2000012", "R2-A1-N2")  # siblings elsewhere stay
    before = [placed(app, sku) for sku in ("2000010", "2000011", "2000012")]
    response = client.post(REMOVE, headers=auth, json={
        "warehouse_id": 1, "sku": "2000011", "warehouselocation_id": family,
        "withSiblings": True})

    assert response.status_code == 200, response.json
    assert response.json["message"] == "Ok."
    assert len(response.json["removed"]) == 3
    after = [placed(app, sku) for sku in ("2000010", "2000011", "2000012")]
    assert after == [codes - {"R2-A1-N1"} for codes in before]
    assert {"R2-A1-N2"} <= after[2]
    assert [kind for kind, *_ in ledger_since_demo(app)][-3:] == ["remove"] * 3


def test_a_style_code_removes_every_variation_of_the_product_there(app, client, auth, family):
    response = client.post(REMOVE, headers=auth, json={
        "warehouse_id": 1, "sku": "DEMO-01-STYLE", "warehouselocation_id": family})

    assert response.status_code == 200, response.json
    assert response.json["message"] == "Ok."
    assert {p["variation_id"] for p in response.json["removed"]} == {40010, 40011, 40012}

    again = client.post(REMOVE, headers=auth, json={
        "warehouse_id": 1, "sku": "DEMO-01-STYLE", "warehouselocation_id": family})
    assert again.status_code == 404
    assert again.json == {"message": "No se encontró el estilo en la ubicacion."}


@pytest.mark.parametrize("body, status, message", [
    ({"warehouse_id": 1, "sku": "9999999", "mapped_string": PLACED_AT}, 404,
     "No se encontro el SKU a remover de ubicacion."),
    ({"warehouse_id": 1, "sku": PLACED_SKU, "mapped_string": "R9-A1-N1"}, 404,
     "La ubicacion no existe."),
    ({"warehouse_id": 7, "sku": PLACED_SKU, "mapped_string": PLACED_AT}, 404,
     "La bodega no existe."),
    ({"warehouse_id": 1, "sku": PLACED_SKU, "warehouselocation_id": 99999}, 404,
     "La ubicacion no existe."),
    ({"warehouse_id": 1, "mapped_string": PLACED_AT}, 400, "Parametros no validos."),
    ({"sku": PLACED_SKU, "mapped_string": PLACED_AT}, 400, "Parametros no validos."),
    ({"warehouse_id": 1, "sku": PLACED_SKU}, 400, "Parametros no validos."),
    ({"warehouse_id": 1, "sku": PLACED_SKU, "mapped_string": PLACED_AT,
      "withSiblings": "maybe"}, 400, "Parametros no validos."),
    ({"warehouse_id": 1, "sku": PLACED_SKU, "warehouselocation_id": "1e3"}, 400,
     "Parametros no validos."),
    ({"warehouse_id": 1, "sku": PLACED_SKU, "mapped_string": PLACED_AT,
      "scanned_at": "yesterday"}, 400, "Parametros no validos."),
])
def test_remove_refuses_bad_input_and_changes_nothing(app, client, demo, auth, body, status,
                                                      message):
    response = client.post(REMOVE, headers=auth, json=body)

    assert response.status_code == status
    assert response.json["message"] == message
    assert placed(app, PLACED_SKU) == {PLACED_AT}
    assert ledger_since_demo(app) == []


def test_a_sku_that_is_not_there_is_a_404_saying_where_it_is(client, demo, auth):
    response = client.post(REMOVE, headers=auth, json={
        "warehouse_id": 1, "sku": PLACED_SKU, "mapped_string": "R1-A1-N1"})

    assert response.status_code == 404
    assert response.json["message"] == "El producto a eliminar no se encontro en la ubicacion."
    assert response.json["current"]["sku"] == PLACED_SKU
    assert [p["mapped_string"] for p in response.json["current"]["locations"]] == [PLACED_AT]


def test_a_location_out_of_service_can_still_be_emptied(app, client, demo, auth):
    with app.app_context():
        db.session.get(WarehouseLocation, location_id(app, PLACED_AT)).active = False
        db.session.commit()
    response = client.post(REMOVE, headers=auth, json={
        "warehouse_id": 1, "sku": PLACED_SKU, "mapped_string": PLACED_AT})
    assert response.status_code == 200, response.json


def test_a_read_only_token_may_not_remove(app, client, demo, user, user_token):
    from tests.test_personal_tokens import create
    read = create(client, {"Authorization": f"Bearer {user_token}"},
                  scopes=["read"]).json["accessToken"]
    response = client.post(REMOVE, headers={"Authorization": f"Bearer {read}"},
                           json={"warehouse_id": 1, "sku": PLACED_SKU, "mapped_string": PLACED_AT})
    assert response.status_code == 403
    assert placed(app, PLACED_SKU) == {PLACED_AT}


# Where is it?

def test_where_a_sku_sits(app, client, demo, auth):
    locate(client, auth, PLACED_SKU, "R1-B2-N3")
    response = client.get(f"{WHERE}?sku={PLACED_SKU}", headers=auth)

    assert response.status_code == 200
    [item] = response.json
    assert item["sku"] == PLACED_SKU and item["variation_id"] == 20110
    assert item["name"] == "MED"
    assert item["product"] == {"id": 4410, "name": "Pantalon mezclilla recto",
                               "internal_reference": None}
    assert [(p["mapped_string"], p["warehouse"], p["active"]) for p in item["locations"]] == [
        ("R1-B2-N3", {"id": 1, "name": "Bodega1"}, 1),
        (PLACED_AT, {"id": 1, "name": "Bodega1"}, 1)]
    assert all(isinstance(p["warehouselocation_id"], int) for p in item["locations"])


def test_several_skus_in_the_order_asked(client, demo, auth):
    response = client.get(f"{WHERE}?skus[]={BOXER}&skus[]=2000011&skus[]={PLACED_SKU}"
                          f"&skus[]={BOXER}", headers=auth)

    assert response.status_code == 200
    assert [item["sku"] for item in response.json] == [BOXER, "2000011", PLACED_SKU]
    assert [len(item["locations"]) for item in response.json] == [1, 0, 1]


def test_unknown_skus_are_named_in_a_404(client, demo, auth):
    response = client.get(f"{WHERE}?skus[]={BOXER}&skus[]=nope&skus[]=0000000", headers=auth)
    assert response.status_code == 404
    assert response.json == {"message": "No se encontro el SKU.",
                             "errors": {"sku": ["nope", "0000000"]}}


@pytest.mark.parametrize("query", ["", "sku=", "skus[]=", "&".join(["skus[]=1"] * 101)])
def test_where_needs_one_to_a_hundred_skus(client, demo, auth, query):
    response = client.get(f"{WHERE}?{query}", headers=auth)
    assert response.status_code == 400
    assert response.json["message"] == "Parametros no validos."


def test_where_runs_the_same_statements_for_one_sku_or_fifty(client, demo, auth,
                                                             count_queries):
    with count_queries() as one:
        assert client.get(f"{WHERE}?sku={PLACED_SKU}", headers=auth).status_code == 200
    many = "&".join(f"skus[]={2000000 + n * 10 + i}" for n in range(1, 18) for i in range(3))
    with count_queries() as fifty:
        assert client.get(f"{WHERE}?{many}", headers=auth).status_code == 200
    assert len(one) == len(fifty) == 3  # the token, the variations, their locations
