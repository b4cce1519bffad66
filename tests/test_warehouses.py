"""/api/v1/warehouses: getall and store, from spec/01's examples."""
import pytest
import sqlalchemy as sa

from wms.extensions import db
from wms.models import Store, Warehouse

STORE_1 = {
    "id": 1,
    "name": "CENTRO DE DISTRIBUCION",
    "number": "10060",
    "created_at": "2018-05-07 22:04:54",
    "updated_at": "2018-05-07 22:04:54",
}


def warehouse_count(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Warehouse.id)))


def test_getall_lists_warehouses_with_their_store(client, demo, auth):
    response = client.get("/api/v1/warehouses/getall", headers=auth)

    assert response.status_code == 200
    body = response.json
    assert body["total"] == 1
    warehouse = body["data"][0]
    assert list(warehouse) == ["id", "name", "store_id", "created_at", "updated_at", "store"]
    assert warehouse["id"] == 1 and warehouse["name"] == "Bodega1" and warehouse["store_id"] == 1
    assert warehouse["store"] == STORE_1


def test_getall_filters_by_store(app, client, demo, auth):
    with app.app_context():
        db.session.add(Store(id=2, name="Sucursal Norte", number="10061"))
        db.session.add(Warehouse(name="Bodega Norte", store_id=2))
        db.session.commit()

    response = client.get("/api/v1/warehouses/getall?store_id=2", headers=auth)

    assert [w["name"] for w in response.json["data"]] == ["Bodega Norte"]
    assert response.json["total"] == 1
    assert client.get("/api/v1/warehouses/getall", headers=auth).json["total"] == 2


def test_getall_needs_a_token(client, demo):
    response = client.get("/api/v1/warehouses/getall")

    assert response.status_code == 401
    assert response.json == {"message": "Unauthenticated."}


def test_getall_runs_the_same_statements_at_any_page_size(app, client, demo, auth,
                                                          count_queries):
    with app.app_context():
        db.session.add_all([Warehouse(name=f"Bodega {n}", store_id=1) for n in range(2, 40)])
        db.session.commit()
    counts = []
    for per_page in (1, 15, 100):
        with count_queries() as statements:
            response = client.get(f"/api/v1/warehouses/getall?per_page={per_page}",
                                  headers=auth)
        assert len(response.json["data"]) == min(per_page, 39)
        counts.append(len(statements))
    # token lookup, count, page with its store joined
    assert counts == [3, 3, 3]


def test_store_creates_a_warehouse(app, client, demo, auth):
    response = client.post("/api/v1/warehouses/store?name=bodega2&store_id=1", headers=auth)

    assert response.status_code == 201
    body = response.json
    assert list(body) == ["id", "name", "store_id", "created_at", "updated_at"]
    assert body["name"] == "bodega2" and body["store_id"] == 1 and body["id"] == 2
    assert warehouse_count(app) == 2


def test_store_takes_a_json_body(client, demo, auth):
    response = client.post("/api/v1/warehouses/store", json={"name": "Bodega JSON",
                                                             "store_id": 1}, headers=auth)

    assert response.status_code == 201
    assert response.json["name"] == "Bodega JSON"


@pytest.mark.parametrize("params, field", [
    ({"store_id": "1"}, "name"),
    ({"name": "   ", "store_id": "1"}, "name"),
    ({"name": "x" * 256, "store_id": "1"}, "name"),
    ({"name": "x\u0085y", "store_id": "1"}, "name"),
    ({"name": "bodega"}, "store_id"),
    ({"name": "bodega", "store_id": "uno"}, "store_id"),
    ({"name": "bodega", "store_id": "-1"}, "store_id"),
    ({"name": "bodega", "store_id": "99999999999999999999"}, "store_id"),
    ({"name": "bodega", "store_id": "99"}, "store_id"),
])
def test_store_rejects_invalid_fields(app, client, demo, auth, params, field):
    response = client.post("/api/v1/warehouses/store", query_string=params, headers=auth)

    assert response.status_code == 400
    assert response.json["message"] == "Campos Inválidos."
    assert field in response.json["errors"]
    assert warehouse_count(app) == 1


def test_store_needs_a_token(app, client, demo):
    response = client.post("/api/v1/warehouses/store?name=bodega2&store_id=1")

    assert response.status_code == 401
    assert warehouse_count(app) == 1
