"""GET /api/v1/warehouselocations/occupancy: every location of a warehouse with its item count
and the time of its last movement, for a rack map."""
from datetime import datetime

import pytest
import sqlalchemy as sa

from wms.extensions import db
from wms.models import Movement, Placement, Variation, Warehouse, WarehouseLocation

BASE = "/api/v1/warehouselocations"
FIELDS = ["id", "mapped_string", "rack", "block", "level", "side", "active", "items_count",
          "last_movement_at"]


def occupancy(client, auth, query=""):
    response = client.get(f"{BASE}/occupancy?warehouse_id=1&per_page=500&{query}",
                          headers=auth)
    assert response.status_code == 200, response.json
    return response.json


def expected_rows(app):
    """What the route should say, worked out in Python from the tables."""
    with app.app_context():
        locations = db.session.scalars(sa.select(WarehouseLocation)
                                       .where(WarehouseLocation.warehouse_id == 1)).all()
        placements = db.session.scalars(sa.select(Placement)).all()
        movements = db.session.scalars(sa.select(Movement)).all()
        rows = []
        for location in sorted(locations, key=lambda loc: (loc.rack, loc.block, loc.level,
                                                           loc.side, loc.id)):
            times = [m.created_at for m in movements
                     if location.id in (m.from_location_id, m.to_location_id)]
            rows.append({
                "id": location.id, "mapped_string": location.mapped_string,
                "rack": str(location.rack), "block": str(location.block),
                "level": str(location.level), "side": str(location.side),
                "active": int(location.active),
                "items_count": sum(p.warehouselocation_id == location.id for p in placements),
                "last_movement_at": max(times).strftime("%Y-%m-%d %H:%M:%S") if times else None,
            })
        return rows


def location_id(app, code):
    with app.app_context():
        return db.session.scalar(sa.select(WarehouseLocation.id)
                                 .where(WarehouseLocation.mapped_string == code))


def add_movements(app, *movements):
    """Ledger rows with set times: (from code or None, to code or None, created_at)."""
    with app.app_context():
        variation_id = db.session.scalar(sa.select(Variation.id).where(Variation.sku == "1861705"))
        for source, target, created_at in movements:
            db.session.add(Movement(
                kind="move" if source and target else "locate" if target else "remove",
                variation_id=variation_id, created_at=created_at,
                from_location_id=source and location_id(app, source),
                to_location_id=target and location_id(app, target)))
        db.session.commit()


def test_every_location_in_rack_order(app, client, demo, auth):
    body = occupancy(client, auth)

    assert body["total"] == 96 and len(body["data"]) == 96
    assert list(body["data"][0]) == FIELDS
    assert body["data"] == expected_rows(app)
    assert body["data"][0]["mapped_string"] == "R1-A1-N1"
    assert body["data"][0]["items_count"] == 3
    assert body["data"][-1]["mapped_string"] == "R4-B3-N4"


def test_last_movement_is_the_later_of_what_left_and_what_arrived(app, client, demo, auth):
    add_movements(
        app,
        ("R2-A1-N1", "R2-A1-N2", datetime(2024, 5, 1, 8, 0, 0)),
        (None, "R2-A1-N1", datetime(2024, 5, 3, 9, 30, 15)),   # arrived later than it left
        ("R2-A1-N2", None, datetime(2024, 5, 2, 10, 0, 0)),   # left later than it arrived
        (None, "R2-A1-N3", datetime(2023, 1, 1, 0, 0, 0)),
        ("R2-A1-N3", None, datetime(2022, 1, 1, 0, 0, 0)),
        ("R2-A1-N4", "R2-B1-N4", datetime(2021, 7, 4, 12, 0, 0)),
    )

    rows = {row["mapped_string"]: row for row in occupancy(client, auth, "rack=2")["data"]}

    assert rows["R2-A1-N1"]["last_movement_at"] == "2024-05-03 09:30:15"
    assert rows["R2-A1-N2"]["last_movement_at"] == "2024-05-02 10:00:00"
    assert rows["R2-A1-N3"]["last_movement_at"] == "2023-01-01 00:00:00"
    assert rows["R2-A1-N4"]["last_movement_at"] == "2021-07-04 12:00:00"  # only left
    assert rows["R2-B1-N4"]["last_movement_at"] == "2021-07-04 12:00:00"  # only arrived
    with app.app_context():
        touched = set(db.session.scalars(sa.select(WarehouseLocation.mapped_string).where(
            sa.or_(WarehouseLocation.id.in_(sa.select(Movement.from_location_id)),
                   WarehouseLocation.id.in_(sa.select(Movement.to_location_id))))))
    untouched = [code for code in rows if code not in touched]
    assert untouched and all(rows[code]["last_movement_at"] is None for code in untouched)
    assert list(rows.values()) == [row for row in expected_rows(app) if row["rack"] == "2"]


def test_a_scan_shows_at_both_ends(app, client, demo, auth):
    inventory = "/api/v1/locationvariation"
    assert client.post(f"{inventory}/locateitemscan", headers=auth, json={
        "warehouse_id": 1, "sku": "1940121", "mapped_string": "R3-B2-N1"}).status_code == 200
    assert client.post(f"{inventory}/moveitemscan", headers=auth, json={
        "warehouse_id_from": 1, "mapped_string_from": "R3-B2-N1", "warehouse_id_to": 1,
        "mapped_string_to": "R3-B2-N2", "sku": "1940121"}).status_code == 200

    rows = {row["mapped_string"]: row for row in occupancy(client, auth, "rack=3")["data"]}

    assert rows["R3-B2-N1"]["last_movement_at"] is not None
    assert rows["R3-B2-N2"]["last_movement_at"] is not None
    assert list(rows.values()) == [row for row in expected_rows(app) if row["rack"] == "3"]


def test_filters(app, client, demo, auth):
    for location in (2, 3, 30):
        client.post(f"{BASE}/editlocationactive?id={location}&chk=false", headers=auth)
    expected = expected_rows(app)

    def ids(query):
        return [row["id"] for row in occupancy(client, auth, query)["data"]]

    assert ids("rack=2") == [r["id"] for r in expected if r["rack"] == "2"]
    assert ids("active=false") == [2, 3, 30]
    assert ids("active=0&rack=1") == [2, 3]
    assert ids("active=-1") == ids("") == [r["id"] for r in expected]
    assert ids("empty=true") == [r["id"] for r in expected if r["items_count"] == 0]
    assert ids("empty=0&rack=4") == [r["id"] for r in expected
                                     if r["items_count"] and r["rack"] == "4"]
    assert ids("empty=false&active=false") == [
        r["id"] for r in expected if r["items_count"] and not r["active"]]
    assert ids("rack=9") == []


def test_pages_keep_the_query(client, demo, auth):
    body = client.get(f"{BASE}/occupancy?warehouse_id=1&rack=1&per_page=10&page=2",
                      headers=auth).json

    assert body["total"] == 24 and body["from"] == 11 and body["to"] == 20
    assert body["next_page_url"] == (
        f"http://localhost{BASE}/occupancy?warehouse_id=1&rack=1&per_page=10&page=3")


@pytest.mark.parametrize("query", ["warehouse_id=1", "warehouse_id=1&rack=2&active=1&empty=0"])
def test_the_same_statements_at_any_page_size(client, demo, auth, count_queries, query):
    counts = set()
    for per_page in (1, 15, 100):
        with count_queries() as statements:
            response = client.get(f"{BASE}/occupancy?{query}&per_page={per_page}", headers=auth)
        assert response.status_code == 200 and response.json["data"]
        counts.add(len(statements))
    assert counts == {4}  # token, count, the page's ids, its rows with counts and times


@pytest.mark.parametrize("query, status, field", [
    ("", 400, "warehouse_id"),
    ("warehouse_id=abc", 400, "warehouse_id"),
    ("warehouse_id=99999999999999999999", 400, "warehouse_id"),
    ("warehouse_id=1&rack=x", 400, "rack"),
    ("warehouse_id=1&rack=-1", 400, "rack"),
    ("warehouse_id=1&active=maybe", 400, "active"),
    ("warehouse_id=1&empty=2", 400, "empty"),
    ("warehouse_id=1&empty=-1", 400, "empty"),
    ("warehouse_id=1&per_page=100000", 400, "per_page"),
    ("warehouse_id=7", 404, None),
    ("warehouse_id=7&empty=true", 404, None),
])
def test_bad_parameters(client, demo, auth, query, status, field):
    response = client.get(f"{BASE}/occupancy?{query}", headers=auth)

    assert response.status_code == status
    if field:
        assert response.json["message"] == "Parametros no validos."
        assert field in response.json["errors"]
    else:
        assert response.json == {"message": "La bodega no existe."}


def test_a_warehouse_without_locations(app, client, demo, auth):
    with app.app_context():
        db.session.add(Warehouse(id=2, name="Bodega2", store_id=1))
        db.session.commit()

    response = client.get(f"{BASE}/occupancy?warehouse_id=2", headers=auth)

    assert response.status_code == 200
    assert response.json["total"] == 0 and response.json["data"] == []


def test_needs_a_token(client, demo):
    assert client.get(f"{BASE}/occupancy?warehouse_id=1").status_code == 401
