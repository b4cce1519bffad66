"""/api/v1/locationvariation: listing, locating and moving SKUs, from spec/01's examples."""
import pytest
import sqlalchemy as sa

from wms.extensions import db
from wms.models import Movement, Placement, Variation

BASE = "/api/v1/locationvariation"

BOXER_IMAGES = [
    {"id": 25489, "created_at": "2018-04-25 19:04:25", "updated_at": "2018-04-25 19:04:25",
     "file": "325ae0d138af48c.jpg", "product_id": 5729, "order": 1, "color_id": 0},
    {"id": 25490, "created_at": "2018-04-25 19:04:26", "updated_at": "2018-04-25 19:04:26",
     "file": "325ae0d139ed215.jpg", "product_id": 5729, "order": 2, "color_id": 0},
    {"id": 25491, "created_at": "2018-04-25 19:04:28", "updated_at": "2018-04-25 19:04:28",
     "file": "325ae0d13b45cc4.jpg", "product_id": 5729, "order": 3, "color_id": 0},
    {"id": 25492, "created_at": "2018-04-25 19:04:29", "updated_at": "2018-04-25 19:04:29",
     "file": "325ae0d13c7b533.jpg", "product_id": 5729, "order": 4, "color_id": 0},
]


def counts(app):
    """(placements, movements) in the database."""
    with app.app_context():
        return (db.session.scalar(sa.select(sa.func.count(Placement.id))),
                db.session.scalar(sa.select(sa.func.count(Movement.id))))


def placements_of(client, auth, sku):
    body = client.get(f"{BASE}/getall?sku={sku}", headers=auth).json
    return [p["warehouselocation"]["mapped_string"] for p in body["data"]]


def test_getall_lists_placements_with_details(client, demo, auth):
    body = client.get(f"{BASE}/getall", headers=auth).json

    assert body["total"] == demo["placements"]
    first = body["data"][0]
    assert list(first) == ["id", "warehouselocation_id", "variation_id", "created_at",
                           "updated_at", "variation", "warehouselocation"]
    assert first["variation"]["sku"] == "1921176"
    assert first["variation"]["product"]["name"] == "Playera hombros descubiertos"
    assert [i["id"] for i in first["variation"]["product"]["images"]] == list(range(24667,
                                                                                    24672))
    location = first["warehouselocation"]
    assert location["mapped_string"] == "R1-A1-N1"
    assert location["warehouse"]["store"]["name"] == "CENTRO DE DISTRIBUCION"


def test_getall_filters_by_sku_and_warehouse(client, demo, auth):
    assert placements_of(client, auth, "1861705") == ["R4-A2-N4"]
    body = client.get(f"{BASE}/getall?warehouse_id=1&per_page=1", headers=auth).json
    assert body["total"] == demo["placements"]
    assert client.get(f"{BASE}/getall?warehouse_id=2", headers=auth).json["total"] == 0


def test_getitemsinlocation_matches_the_spec(client, demo, auth):
    response = client.get(f"{BASE}/getitemsinlocation?warehouse_id=1&mapped_string=R1-A1-N1",
                          headers=auth)

    assert response.status_code == 200
    items = {p["variation"]["sku"]: p for p in response.json["data"]}
    boxer = items["1940121"]
    assert boxer["warehouselocation_id"] == 1 and boxer["variation_id"] == 25773
    assert boxer["created_at"] == "2019-09-02 17:35:44"
    assert boxer["variation"] == {
        "id": 25773, "name": "XGD", "sku": "1940121", "product_id": 5729,
        "product": {"id": 5729, "name": "Paquete Boxer Corto", "images": BOXER_IMAGES}}
    assert boxer["warehouselocation"] == {"id": 1, "mapped_string": "R1-A1-N1",
                                          "warehouse_id": 1}
    assert "1921176" in items


@pytest.mark.parametrize("route, expected", [
    # token, count, page (variation, product, location, warehouse, store joined), images
    ("getall?x=1", 4),
    # token, location, count, page, images
    ("getitemsinlocation?warehouse_id=1&mapped_string=R1-A1-N1", 5),
])
def test_lists_run_the_same_statements_at_any_page_size(client, demo, auth, count_queries,
                                                        route, expected):
    counts_by_size = {}
    for per_page in (1, 2, 50):
        with count_queries() as statements:
            response = client.get(f"{BASE}/{route}&per_page={per_page}", headers=auth)
        assert response.status_code == 200
        counts_by_size[per_page] = len(statements)
    assert set(counts_by_size.values()) == {expected}


def _writes(statements):
    """The statements of a write, without the transaction's own (SQLite's BEGIN IMMEDIATE)."""
    own = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")
    return [s for s in statements if not s.upper().startswith(own)]


def test_one_statement_finds_the_location_and_the_sku(client, demo, auth, count_queries):
    """locate: the token, the location with the SKU and its placement there, the placement,
    its movement; move: the token, the source, the target with the SKU, the placement at the
    source and at the target (both locked), the update, the movement."""
    with count_queries() as statements:
        response = client.post(f"{BASE}/locateitemscan", headers=auth, json={
            "warehouse_id": 1, "sku": "2000011", "mapped_string": "R2-A1-N1"})
    assert response.status_code == 200, response.json
    assert len(_writes(statements)) == 4, statements
    with count_queries() as statements:
        response = client.post(f"{BASE}/locateitemscan", headers=auth, json={
            "warehouse_id": 1, "sku": "2000011", "mapped_string": "R2-A1-N1"})
    assert response.status_code == 200 and len(_writes(statements)) == 2, statements
    with count_queries() as statements:
        response = client.post(f"{BASE}/moveitemscan", headers=auth, json={
            "warehouse_id_from": 1, "mapped_string_from": "R2-A1-N1", "warehouse_id_to": 1,
            "mapped_string_to": "R2-A1-N2", "sku": "2000011"})
    assert response.status_code == 200, response.json
    assert len(_writes(statements)) == 7, statements


@pytest.mark.parametrize("query, status, message", [
    ("warehouse_id=1&mapped_string=R9-A1-N1", 404, "La ubicacion no existe."),
    ("warehouse_id=9&mapped_string=R1-A1-N1", 404, "La bodega no existe."),
    ("warehouse_id=1&mapped_string=R1-A1-N1'%20OR%20'1'='1", 404, "La ubicacion no existe."),
    ("warehouse_id=1", 400, "Parametros no validos."),
    ("mapped_string=R1-A1-N1", 400, "Parametros no validos."),
    ("warehouse_id=1&mapped_string=" + "R" * 40, 400, "Parametros no validos."),
])
def test_getitemsinlocation_bad_lookups(client, demo, auth, query, status, message):
    response = client.get(f"{BASE}/getitemsinlocation?{query}", headers=auth)

    assert response.status_code == status
    assert response.json["message"] == message


@pytest.mark.parametrize("route", ["locateitemscan", "locateitemweb"])
def test_locate_places_a_sku(app, client, demo, auth, route):
    before = counts(app)
    response = client.post(f"{BASE}/{route}?warehouse_id=1&sku=1861705&mapped_string=R1-A2-N1",
                           headers=auth)

    assert response.status_code == 200
    assert list(response.json) == ["id", "warehouselocation_id", "variation_id", "created_at",
                                   "updated_at"]
    assert response.json["variation_id"] == 20110
    assert counts(app) == (before[0] + 1, before[1] + 1)
    assert sorted(placements_of(client, auth, "1861705")) == ["R1-A2-N1", "R4-A2-N4"]


def test_locate_again_is_safe_to_resend(app, client, demo, auth):
    url = f"{BASE}/locateitemscan?warehouse_id=1&sku=1861705&mapped_string=R1-A2-N1"
    first = client.post(url, headers=auth).json
    after_first = counts(app)

    again = client.post(url, headers=auth)

    assert again.status_code == 200
    assert again.json == first
    assert counts(app) == after_first


def test_locate_from_the_scanner_json_with_a_numeric_sku(client, demo, auth):
    response = client.post(f"{BASE}/locateitemscan", headers=auth,
                           json={"warehouse_id": 1, "sku": 1940121, "mapped_string": "R2-B3-N4"})

    assert response.status_code == 200
    assert "R2-B3-N4" in placements_of(client, auth, "1940121")


def test_a_lower_case_location_code_finds_the_location(client, demo, auth):
    response = client.get(f"{BASE}/getitemsinlocation?warehouse_id=1&mapped_string=r1-a1-n1",
                          headers=auth)

    assert response.status_code == 200
    assert response.json["total"] == 3


def test_skus_are_compared_exactly_on_every_database(app, client, demo, auth):
    with app.app_context():
        variation = db.session.scalar(sa.select(Variation).where(Variation.sku == "1861705"))
        variation.sku = "AB-12"
        db.session.commit()

    assert placements_of(client, auth, "AB-12") == ["R4-A2-N4"]
    assert client.get(f"{BASE}/getall?sku=ab-12", headers=auth).json["total"] == 0


def test_locate_from_the_web_by_location_id(client, demo, auth):
    response = client.post(f"{BASE}/locateitemweb", headers=auth,
                           data={"warehouse_id": "1", "sku": "1940121",
                                 "warehouselocation_id": "5"})

    assert response.status_code == 200
    assert response.json["warehouselocation_id"] == 5


@pytest.mark.parametrize("params, status, message", [
    ({"warehouse_id": 1, "sku": "0000000", "mapped_string": "R1-A1-N1"},
     404, "No se encontro el SKU a ubicar."),
    ({"warehouse_id": 1, "sku": "1861705", "mapped_string": "R9-A9-N9"},
     404, "No se encontro la ubicacion destino."),
    ({"warehouse_id": 2, "sku": "1861705", "mapped_string": "R1-A1-N1"},
     404, "La bodega no existe."),
    ({"warehouse_id": 1, "sku": "1861705", "warehouselocation_id": 999},
     404, "No se encontro la ubicacion destino."),
    ({"warehouse_id": 1, "sku": "1861705"}, 400, "Parametros no validos."),
    ({"warehouse_id": 1, "mapped_string": "R1-A1-N1"}, 400, "Parametros no validos."),
    ({"warehouse_id": "uno", "sku": "1861705", "mapped_string": "R1-A1-N1"},
     400, "Parametros no validos."),
    ({"warehouse_id": 1, "sku": "9" * 10000, "mapped_string": "R1-A1-N1"},
     400, "Parametros no validos."),
    ({"warehouse_id": 1, "sku": "18617\x0005", "mapped_string": "R1-A1-N1"},
     400, "Parametros no validos."),
    ({"warehouse_id": 1, "sku": "1861705", "mapped_string": "R1'; DROP TABLE stores; --"},
     404, "No se encontro la ubicacion destino."),
    ({"warehouse_id": 1, "sku": ["1861705"], "mapped_string": "R1-A1-N1"},
     400, "Parametros no validos."),
])
def test_locate_rejects_bad_input(app, client, demo, auth, params, status, message):
    before = counts(app)

    response = client.post(f"{BASE}/locateitemscan", json=params, headers=auth)

    assert response.status_code == status
    assert response.json["message"] == message
    assert counts(app) == before


MOVE = {"warehouse_id_from": 1, "mapped_string_from": "R4-A2-N4", "warehouse_id_to": 1,
        "mapped_string_to": "R1-A2-N1", "sku": "1861705"}


@pytest.mark.parametrize("route", ["moveitemscan", "moveitemweb"])
def test_move_changes_the_location(app, client, demo, auth, route):
    before = counts(app)
    response = client.post(f"{BASE}/{route}", query_string=MOVE, headers=auth)

    assert response.status_code == 200
    assert response.json["variation_id"] == 20110
    assert placements_of(client, auth, "1861705") == ["R1-A2-N1"]
    assert counts(app) == (before[0], before[1] + 1)


def test_move_onto_a_location_that_holds_the_sku_merges(app, client, demo, auth):
    client.post(f"{BASE}/locateitemscan", headers=auth,
                json={"warehouse_id": 1, "sku": "1861705", "mapped_string": "R1-A2-N1"})
    before = counts(app)

    response = client.post(f"{BASE}/moveitemscan", json=MOVE, headers=auth)

    assert response.status_code == 200
    assert placements_of(client, auth, "1861705") == ["R1-A2-N1"]
    assert counts(app) == (before[0] - 1, before[1] + 1)


def test_move_from_the_web_by_location_ids(client, demo, auth):
    source = client.get(f"{BASE}/getall?sku=1861705", headers=auth).json["data"][0]
    response = client.post(f"{BASE}/moveitemweb", headers=auth, json={
        "warehouse_id_from": 1, "warehouselocation_id_from": source["warehouselocation_id"],
        "warehouse_id_to": 1, "warehouselocation_id_to": 3, "sku": "1861705"})

    assert response.status_code == 200
    assert response.json["warehouselocation_id"] == 3


@pytest.mark.parametrize("change, status, message", [
    ({"sku": "0000000"}, 404, "No se encontro el SKU a ubicar."),
    ({"mapped_string_from": "R9-A1-N1"}, 404, "No se encontro la ubicacion inicial."),
    ({"mapped_string_to": "R9-A1-N1"}, 404, "No se encontro la ubicacion destino."),
    ({"mapped_string_from": "R1-A1-N1"}, 404, "El item no se encontraba ubicado ahi."),
    ({"warehouse_id_from": 5}, 404, "La bodega no existe."),
    ({"warehouse_id_to": 5}, 404, "La bodega no existe."),
    ({"sku": None}, 400, "Parametros no validos."),
    ({"mapped_string_to": None}, 400, "Parametros no validos."),
    ({"warehouse_id_to": -3}, 400, "Parametros no validos."),
    ({"sku": "x" * 10000}, 400, "Parametros no validos."),
])
def test_move_rejects_bad_input(app, client, demo, auth, change, status, message):
    params = {k: v for k, v in {**MOVE, **change}.items() if v is not None}
    before = counts(app)

    response = client.post(f"{BASE}/moveitemscan", json=params, headers=auth)

    assert response.status_code == status
    assert response.json["message"] == message
    assert counts(app) == before
    assert placements_of(client, auth, "1861705") == ["R4-A2-N4"]


@pytest.mark.parametrize("route", ["locateitemscan", "moveitemscan", "locateitemweb",
                                   "moveitemweb"])
def test_writes_need_a_token(app, client, demo, route):
    before = counts(app)
    response = client.post(f"{BASE}/{route}", json=MOVE)

    assert response.status_code == 401
    assert response.json == {"message": "Unauthenticated."}
    assert counts(app) == before
