"""GET /api/v1/locationvariation/getsummary: the web UI dashboard's counts (W16)."""
import pytest
import sqlalchemy as sa

from wms.extensions import db
from wms.models import Placement, Variation, WarehouseLocation

URL = "/api/v1/locationvariation/getsummary"
LOCATIONS = "/api/v1/warehouselocations"


def counted(app):
    """The dashboard's numbers, worked out in Python from the tables."""
    with app.app_context():
        placements = db.session.scalars(sa.select(Placement)).all()
        variations = {v.id: v for v in db.session.scalars(sa.select(Variation))}
        locations = {loc.id: loc for loc in db.session.scalars(sa.select(WarehouseLocation))}
    mine = [p for p in placements if locations[p.warehouselocation_id].warehouse_id == 1]
    of_1 = [loc for loc in locations.values() if loc.warehouse_id == 1]
    return {
        "products": len({variations[p.variation_id].product_id for p in placements}),
        "locations": len(locations),
        "warehouse": {
            "id": 1, "name": "Bodega1", "racks": len({loc.rack for loc in of_1}),
            "locations": len(of_1), "active_locations": sum(loc.active for loc in of_1),
            "occupied_locations": len({p.warehouselocation_id for p in mine}),
            "placements": len(mine), "skus": len({p.variation_id for p in mine})},
    }


def test_the_web_uis_call_with_a_bare_token(app, client, demo, token):
    # W16: the token without "Bearer".
    response = client.get(f"{URL}?warehouse_id=1", headers={
        "Accept": "application/json", "Content-type": "application/json; charset=UTF-8",
        "Authorization": token})

    assert response.status_code == 200
    expected = counted(app)
    assert response.json == {
        "productsLocatedCount": expected["products"], "warehousesCount": 1, "storesCount": 1,
        "warehouseLocationsCount": 96, "warehouse": expected["warehouse"]}
    assert expected["warehouse"]["racks"] == 4 and expected["warehouse"]["placements"] == 63


def test_without_a_warehouse_only_the_whole_database(app, client, demo, auth):
    response = client.get(URL, headers=auth)

    assert response.status_code == 200
    assert response.json == {"productsLocatedCount": counted(app)["products"],
                             "warehousesCount": 1, "storesCount": 1,
                             "warehouseLocationsCount": 96}
    assert client.get(f"{URL}?warehouse_id=", headers=auth).json == response.json


def test_counts_follow_the_data(app, client, demo, auth):
    client.post(f"{LOCATIONS}/editlocationactive?id=1&chk=false", headers=auth)
    client.post("/api/v1/warehouses/store?store_id=1", json={"name": "Bodega norte"},
                headers=auth)
    client.post(f"{LOCATIONS}/maplocations?blocks=2&levels=2&sides=1&warehouse_id=2",
                headers=auth)
    client.post("/api/v1/locationvariation/locateitemscan", headers=auth, json={
        "warehouse_id": 2, "sku": "1921176", "mapped_string": "R1-A2-N2"})
    client.post("/api/v1/locationvariation/locateitemscan", headers=auth, json={
        "warehouse_id": 1, "sku": "1921176", "mapped_string": "R1-A1-N2"})

    one = client.get(f"{URL}?warehouse_id=1", headers=auth).json
    two = client.get(f"{URL}?warehouse_id=2", headers=auth).json

    expected = counted(app)
    assert one["warehouse"] == expected["warehouse"]
    assert one["warehouse"]["active_locations"] == 95
    assert one["warehousesCount"] == 2 and one["warehouseLocationsCount"] == 100
    assert one["productsLocatedCount"] == expected["products"]
    assert two["warehouse"] == {"id": 2, "name": "Bodega norte", "racks": 1, "locations": 4,
                                "active_locations": 4, "occupied_locations": 1,
                                "placements": 1, "skus": 1}
    assert {k: v for k, v in two.items() if k != "warehouse"} == {
        k: v for k, v in one.items() if k != "warehouse"}


def test_an_empty_database(client, auth):
    response = client.get(URL, headers=auth)

    assert response.json == {"productsLocatedCount": 0, "warehousesCount": 0, "storesCount": 0,
                             "warehouseLocationsCount": 0}


@pytest.mark.parametrize("query", ["", "?warehouse_id=1"])
def test_one_statement_after_the_token(client, demo, auth, count_queries, query):
    with count_queries() as statements:
        response = client.get(f"{URL}{query}", headers=auth)

    assert response.status_code == 200
    assert len(statements) == 2  # token, every count


@pytest.mark.parametrize("query, status", [
    ("warehouse_id=7", 404),
    ("warehouse_id=abc", 400),
    ("warehouse_id=0", 400),
    ("warehouse_id=99999999999999999999", 400),
    ("warehouse_id=1.0", 400),
])
def test_bad_warehouse(client, demo, auth, query, status):
    response = client.get(f"{URL}?{query}", headers=auth)

    assert response.status_code == status
    if status == 404:
        assert response.json == {"message": "La bodega no existe."}
    else:
        assert response.json["errors"]["warehouse_id"]


def test_needs_a_token(client, demo):
    assert client.get(URL).status_code == 401
    assert client.get(URL, headers={"Authorization": "not-a-jwt"}).status_code == 401
