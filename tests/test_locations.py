"""/api/v1/warehouselocations: getracks, getblocks, getall and maplocations, from spec/01."""
import pytest
import sqlalchemy as sa

from wms.extensions import db
from wms.models import WarehouseLocation

BASE = "/api/v1/warehouselocations"


def location_count(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(WarehouseLocation.id)))


def test_getracks_lists_the_racks_of_a_warehouse(client, demo, auth):
    response = client.get(f"{BASE}/getracks?warehouse_id=1", headers=auth)

    assert response.status_code == 200
    body = response.json
    assert body["data"] == [{"rack": "1"}, {"rack": "2"}, {"rack": "3"}, {"rack": "4"}]
    assert body["total"] == 4 and body["last_page"] == 1
    assert body["from"] == 1 and body["to"] == 4


def test_getracks_pages_keep_the_query(client, demo, auth):
    body = client.get(f"{BASE}/getracks?warehouse_id=1&per_page=3&page=2", headers=auth).json

    assert body["data"] == [{"rack": "4"}]
    assert body["path"] == f"http://localhost{BASE}/getracks"
    assert body["first_page_url"] == (
        f"http://localhost{BASE}/getracks?warehouse_id=1&per_page=3&page=1")
    assert body["prev_page_url"] == body["first_page_url"]
    assert body["next_page_url"] is None
    assert body["total"] == 4 and body["last_page"] == 2


def test_getblocks_lists_a_rack_with_item_counts(client, demo, auth):
    response = client.get(f"{BASE}/getblocks?warehouse_id=1&rack=1", headers=auth)

    assert response.status_code == 200
    blocks = response.json
    assert len(blocks) == 24
    assert list(blocks[0]) == ["id", "rack", "block", "level", "side", "mapped_string",
                               "active", "items_count"]
    assert blocks[0] == {"id": 1, "rack": "1", "block": "1", "level": "1", "side": "1",
                         "mapped_string": "R1-A1-N1", "active": 1, "items_count": 3}
    assert blocks[1] == {"id": 2, "rack": "1", "block": "1", "level": "1", "side": "2",
                         "mapped_string": "R1-B1-N1", "active": 1, "items_count": 0}
    orders = [(int(b["block"]), int(b["level"]), int(b["side"])) for b in blocks]
    assert orders == sorted(orders)


def test_getblocks_of_an_unmapped_rack_is_empty(client, demo, auth):
    response = client.get(f"{BASE}/getblocks?warehouse_id=1&rack=9", headers=auth)

    assert response.status_code == 200
    assert response.json == []


def test_getall_lists_locations_with_warehouse_and_store(client, demo, auth):
    body = client.get(f"{BASE}/getall?warehouse_id=1", headers=auth).json

    assert body["total"] == 96 and body["per_page"] == 15 and body["last_page"] == 7
    first = body["data"][0]
    warehouse = first.pop("warehouse")
    assert first == {"id": 1, "warehouse_id": 1, "rack": "1", "block": "1", "level": "1",
                     "side": "1", "mapped_string": "R1-A1-N1",
                     "created_at": "2019-09-02 22:14:56", "updated_at": "2019-09-02 22:14:56",
                     "active": 1}
    assert list(warehouse) == ["id", "name", "store_id", "created_at", "updated_at", "store"]
    assert warehouse["name"] == "Bodega1"
    assert warehouse["store"]["number"] == "10060"


@pytest.mark.parametrize("route", ["getracks?warehouse_id=1", "getall?warehouse_id=1"])
def test_lists_run_the_same_statements_at_any_page_size(client, demo, auth, count_queries,
                                                        route):
    counts = set()
    for per_page in (1, 15, 96):
        with count_queries() as statements:
            response = client.get(f"{BASE}/{route}&per_page={per_page}", headers=auth)
        assert response.status_code == 200
        counts.add(len(statements))
    # token lookup, count, page (the warehouse is looked up only when nothing is found)
    assert counts == {3}


def test_getblocks_is_one_statement(client, demo, auth, count_queries):
    with count_queries() as statements:
        client.get(f"{BASE}/getblocks?warehouse_id=1&rack=1", headers=auth)

    assert len(statements) == 2  # token lookup, locations with their counts


@pytest.mark.parametrize("query, status, message", [
    ("getracks", 400, "Parametros no validos."),
    ("getracks?warehouse_id=abc", 400, "Parametros no validos."),
    ("getracks?warehouse_id=0", 400, "Parametros no validos."),
    ("getracks?warehouse_id=1.5", 400, "Parametros no validos."),
    ("getracks?warehouse_id=99", 404, "La bodega no existe."),
    ("getracks?warehouse_id=1&per_page=-1", 400, "Parametros no validos."),
    ("getracks?warehouse_id=1&per_page=0", 400, "Parametros no validos."),
    ("getracks?warehouse_id=1&per_page=100000", 400, "Parametros no validos."),
    ("getracks?warehouse_id=1&page=abc", 400, "Parametros no validos."),
    ("getblocks?warehouse_id=1", 400, "Parametros no validos."),
    ("getblocks?warehouse_id=%1C1&rack=1", 400, "Parametros no validos."),
    ("getblocks?warehouse_id=%D9%A1&rack=1", 400, "Parametros no validos."),
    ("getblocks?warehouse_id=1&rack=x", 400, "Parametros no validos."),
    ("getblocks?warehouse_id=99&rack=1", 404, "La bodega no existe."),
    ("getall", 400, "Parametros no validos."),
    ("getall?warehouse_id=99", 404, "La bodega no existe."),
    ("getall?warehouse_id=99999999999999999999", 400, "Parametros no validos."),
])
def test_bad_lookups(client, demo, auth, query, status, message):
    response = client.get(f"{BASE}/{query}", headers=auth)

    assert response.status_code == status
    assert response.json["message"] == message
    if status == 400:
        assert response.json["errors"]


def test_a_page_past_the_end_is_empty(client, demo, auth):
    body = client.get(f"{BASE}/getall?warehouse_id=1&page=50", headers=auth).json

    assert body["data"] == [] and body["from"] is None and body["to"] is None
    assert body["total"] == 96 and body["next_page_url"] is None


def test_maplocations_creates_the_next_rack(app, client, demo, auth):
    response = client.post(f"{BASE}/maplocations?blocks=3&levels=4&sides=2&warehouse_id=1",
                           headers=auth)

    assert response.status_code == 201
    assert response.json == {"message": "Recurso creado.", "rack": "5", "locations_count": 24}
    blocks = client.get(f"{BASE}/getblocks?warehouse_id=1&rack=5", headers=auth).json
    codes = [b["mapped_string"] for b in blocks]
    assert codes[:4] == ["R5-A1-N1", "R5-B1-N1", "R5-A1-N2", "R5-B1-N2"]
    assert codes[-1] == "R5-B3-N4"
    assert all(b["items_count"] == 0 for b in blocks)
    assert location_count(app) == 120


def test_maplocations_one_side(client, demo, auth):
    response = client.post(f"{BASE}/maplocations", headers=auth,
                           json={"warehouse_id": 1, "blocks": 2, "levels": 1, "sides": 1})

    assert response.json["locations_count"] == 2
    blocks = client.get(f"{BASE}/getblocks?warehouse_id=1&rack=5", headers=auth).json
    assert [b["mapped_string"] for b in blocks] == ["R5-A1-N1", "R5-A2-N1"]


@pytest.mark.parametrize("params, field", [
    ({"blocks": 3, "levels": 4, "sides": 3, "warehouse_id": 1}, "sides"),
    ({"blocks": 0, "levels": 4, "sides": 2, "warehouse_id": 1}, "blocks"),
    ({"blocks": 3, "levels": 51, "sides": 2, "warehouse_id": 1}, "levels"),
    ({"blocks": 3, "levels": "cuatro", "sides": 2, "warehouse_id": 1}, "levels"),
    ({"blocks": 3, "levels": 4, "sides": 2}, "warehouse_id"),
    ({"blocks": True, "levels": 4, "sides": 2, "warehouse_id": 1}, "blocks"),
    ({"blocks": 2.5, "levels": 4, "sides": 2, "warehouse_id": 1}, "blocks"),
])
def test_maplocations_rejects_bad_input(app, client, demo, auth, params, field):
    response = client.post(f"{BASE}/maplocations", json=params, headers=auth)

    assert response.status_code == 400
    assert response.json["message"] == "Parametros no validos."
    assert field in response.json["errors"]
    assert location_count(app) == 96


def test_maplocations_unknown_warehouse(app, client, demo, auth):
    response = client.post(f"{BASE}/maplocations?blocks=1&levels=1&sides=1&warehouse_id=7",
                           headers=auth)

    assert response.status_code == 404
    assert response.json == {"message": "La bodega no existe."}
    assert location_count(app) == 96


def test_maplocations_needs_a_token(app, client, demo):
    response = client.post(f"{BASE}/maplocations?blocks=1&levels=1&sides=1&warehouse_id=1")

    assert response.status_code == 401
    assert location_count(app) == 96
