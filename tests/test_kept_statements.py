"""The busiest lists' statements are made once and run with each request's values as bound
parameters (wms/pagination.py, the services' *_query): one statement for every warehouse, and
each request still gets its own warehouse's rows and totals."""
import sqlalchemy as sa

from wms import pagination
from wms.extensions import db
from wms.models import Placement, Warehouse, WarehouseLocation
from wms.services import inventory, warehouses

from tests.test_inventory_service import FREE_SKU, PLACED_SKU

V1 = "/api/v1"


def test_one_statement_for_every_value():
    first, second = inventory.placements_query(warehouse_id=1), \
        inventory.placements_query(warehouse_id=2)
    assert first[:2] == second[:2] and first[0] is second[0]
    assert (first[2], second[2]) == ({"warehouse_id": 1}, {"warehouse_id": 2})
    assert inventory.placements_query(sku="A")[0] is not first[0]
    assert inventory.placements_query()[2] == {}
    assert inventory.location_items_query(5)[0] is inventory.location_items_query(6)[0]
    assert warehouses.warehouses_query(1)[0] is warehouses.warehouses_query(2)[0]
    assert warehouses.racks_query(1)[0] is warehouses.racks_query(2)[0]
    assert warehouses.locations_query(1, rack=2)[0] is warehouses.locations_query(3, rack=4)[0]
    assert warehouses.locations_query(1, rack=2)[2] == {"warehouse_id": 1, "rack": 2}
    assert pagination._page_of(first[0]) is pagination._page_of(second[0])
    # The scanners' lookups: a location by code or id, with a SKU and its placement there.
    by_code = warehouses.location_select(1, code="R1-A1-N1")
    assert by_code[0] is warehouses.location_select(2, code="R9-A9-N9")[0]
    assert by_code[1] == {"code": "R1-A1-N1", "warehouse_id": 1}
    assert warehouses.location_select(None, location_id=4) == (
        warehouses.location_select(None, location_id=5)[0], {"location_id": 4})
    assert inventory._with_sku_statement(by_code[0]) is inventory._with_sku_statement(by_code[0])


def test_a_search_has_statements_of_its_own():
    """A search's text is in its statement, which is not kept."""
    assert warehouses.locations_query(1, q="R1")[0] is not warehouses.locations_query(1, q="R1")[0]


def _post(client, auth, path, **data):
    response = client.post(f"{V1}/{path}", json=data, headers=auth)
    assert response.status_code in (200, 201), response.json
    return response.json


def test_each_request_gets_its_own_values(app, client, demo, auth):
    """Warehouses, racks and locations asked for in turn: every answer is its own, as counted
    by SQL here."""
    second = _post(client, auth, "warehouses/store", name="Anexo", store_id=1)["id"]
    for _ in range(2):
        _post(client, auth, "warehouselocations/maplocations", warehouse_id=second, blocks=2,
              levels=2, sides=1)
    _post(client, auth, "locationvariation/locateitemscan", warehouse_id=second, sku=FREE_SKU,
          mapped_string="R2-A1-N2")
    with app.app_context():
        warehouse_ids = db.session.scalars(sa.select(Warehouse.id).order_by(Warehouse.id)).all()
        located = {w: db.session.scalar(sa.select(sa.func.count(Placement.id))
                                        .where(Placement.warehouse_id == w))
                   for w in warehouse_ids}
        locations = {w: db.session.scalar(sa.select(sa.func.count(WarehouseLocation.id))
                                          .where(WarehouseLocation.warehouse_id == w))
                     for w in warehouse_ids}
    assert len(set(located.values())) == len(set(locations.values())) == len(warehouse_ids) == 2
    for warehouse_id in [*warehouse_ids, *reversed(warehouse_ids)]:
        page = client.get(f"{V1}/locationvariation/getall?warehouse_id={warehouse_id}"
                          "&per_page=500", headers=auth).json
        assert page["total"] == located[warehouse_id] == len(page["data"])
        assert {row["warehouselocation"]["warehouse_id"] for row in page["data"]} <= {
            warehouse_id}
        page = client.get(f"{V1}/warehouselocations/getall?warehouse_id={warehouse_id}"
                          "&per_page=500", headers=auth).json
        assert page["total"] == locations[warehouse_id] == len(page["data"])
        assert {row["warehouse_id"] for row in page["data"]} == {warehouse_id}
        racks = client.get(f"{V1}/warehouselocations/getracks?warehouse_id={warehouse_id}"
                           "&per_page=500", headers=auth).json["data"]
        for rack in (entry["rack"] for entry in racks[:3]):
            blocks = client.get(f"{V1}/warehouselocations/getblocks?warehouse_id="
                                f"{warehouse_id}&rack={rack}", headers=auth).json
            with app.app_context():
                expected = db.session.scalars(
                    sa.select(WarehouseLocation.id).where(
                        WarehouseLocation.warehouse_id == warehouse_id,
                        WarehouseLocation.rack == int(rack))
                    .order_by(WarehouseLocation.block, WarehouseLocation.level,
                              WarehouseLocation.side)).all()
            assert [row["id"] for row in blocks] == expected


def test_the_pages_of_one_statement(app, client, demo, auth):
    """One page statement for every page: each page has its own rows, in order, none twice."""
    pages = [client.get(f"{V1}/locationvariation/getall?per_page=7&page={page}",
                        headers=auth).json for page in range(1, 5)]
    ids = [row["id"] for page in pages for row in page["data"]]
    with app.app_context():
        expected = db.session.scalars(sa.select(Placement.id).order_by(Placement.id)
                                      .limit(28)).all()
    assert ids == expected
    assert [page["current_page"] for page in pages] == [1, 2, 3, 4]


def test_blocks_with_and_without_a_product_search(client, demo, auth):
    """A rack's blocks count every placement, or those of the searched products: the kept
    statement and the search's own answer in turn, each with its counts."""
    def counts(query=""):
        blocks = client.get(f"{V1}/warehouselocations/getblocks?warehouse_id=1&rack=4{query}",
                            headers=auth).json
        return {row["mapped_string"]: row["items_count"] for row in blocks}

    everything, searched = counts(), counts(f"&sku={PLACED_SKU}")
    assert searched == {code: int(code == "R4-A2-N4") for code in everything}
    assert sum(everything.values()) > 1
    assert counts() == everything and counts(f"&sku={PLACED_SKU}") == searched
