"""GET /api/v1/warehouselocations/getall with what the web UI's location table sends (W5):
search, sort, rack and active filters."""
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from wms.extensions import db
from wms.models import Warehouse, WarehouseLocation

BASE = "/api/v1/warehouselocations"
W5 = "?warehouse_id=1&per_page=10&page=1&column=warehouse_id&order=asc&q="


def get_all(client, auth, query):
    response = client.get(f"{BASE}/getall?warehouse_id=1&{query}", headers=auth)
    assert response.status_code == 200, response.json
    return response.json


def ids(client, auth, query):
    return [row["id"] for row in get_all(client, auth, f"per_page=500&{query}")["data"]]


def deactivate(client, auth, *location_ids):
    for location_id in location_ids:
        response = client.post(f"{BASE}/editlocationactive?id={location_id}&chk=false",
                               headers=auth)
        assert response.status_code == 200


def test_the_web_uis_call(client, demo, auth):
    response = client.get(f"{BASE}/getall{W5}",
                          headers={**auth, "Content-Type": "application/json"})

    assert response.status_code == 200
    body = response.json
    assert body["total"] == 96 and body["per_page"] == 10 and body["current_page"] == 1
    assert [row["id"] for row in body["data"]] == list(range(1, 11))
    row = body["data"][0]
    assert row["active"] == 1 and row["warehouse"]["store"]["name"] == "CENTRO DE DISTRIBUCION"
    next_query = parse_qs(urlsplit(body["next_page_url"]).query, keep_blank_values=True)
    assert next_query == {"warehouse_id": ["1"], "per_page": ["10"], "column": ["warehouse_id"],
                          "order": ["asc"], "q": [""], "page": ["2"]}


def test_default_order_is_by_id(client, demo, auth):
    assert ids(client, auth, "") == list(range(1, 97))


@pytest.mark.parametrize("q, expected", [
    ("b3", 16),            # side B, block 3, on 4 racks x 4 levels
    ("B3-N4", 4),
    ("r1-a1-n1", 1),
    (" r01-a01-n01 ", 1),  # a whole code is read as a scan
    ("R4-", 24),
    ("zz", 0),
    ("", 96),
    ("  ", 96),
])
def test_q_searches_codes_in_any_case(client, demo, auth, q, expected):
    body = get_all(client, auth, f"per_page=100&q={quote(q)}")

    assert body["total"] == expected == len(body["data"])
    wanted = q.strip().upper().replace("R01-A01-N01", "R1-A1-N1")
    assert all(wanted in row["mapped_string"] for row in body["data"])


@pytest.mark.parametrize("q, found", [("x%", "X%1"), ("x_", "X_1"), ("x\\", "X\\1")])
def test_like_wildcards_in_q_match_themselves(app, client, demo, auth, q, found):
    with app.app_context():
        for n, code in enumerate(["X%1", "X_1", "X\\1", "XA1", "XAB1"]):
            db.session.add(WarehouseLocation(warehouse_id=1, rack=9, block=n + 1, level=1,
                                             side=1, mapped_string=code))
        db.session.commit()

    body = get_all(client, auth, f"q={quote(q)}")

    assert [row["mapped_string"] for row in body["data"]] == [found]


def test_q_is_a_search_not_sql(client, demo, auth):
    assert get_all(client, auth, "q=" + quote("' OR '1'='1"))["total"] == 0


@pytest.mark.parametrize("column", ["id", "warehouse_id", "rack", "block", "level", "side",
                                    "active", "created_at", "updated_at"])
@pytest.mark.parametrize("order", ["asc", "desc", "ASC", "Desc"])
def test_sorts_by_an_allowed_column_then_by_id(app, client, demo, auth, column, order):
    deactivate(client, auth, 5, 60)
    with app.app_context():
        rows = db.session.scalars(db.select(WarehouseLocation)).all()
        keys = {row.id: (getattr(row, column), row.id) for row in rows}

    got = ids(client, auth, f"column={column}&order={order}")

    assert got == sorted(keys, key=keys.get, reverse=order.lower() == "desc")


def test_sorts_by_code_both_ways(client, demo, auth):
    ascending = ids(client, auth, "column=mapped_string&order=asc")
    descending = ids(client, auth, "column=mapped_string&order=desc")

    assert sorted(ascending) == list(range(1, 97))
    assert descending == ascending[::-1]


def test_pages_are_stable_when_many_rows_tie(client, demo, auth):
    seen = []
    for page in range(1, 15):
        body = get_all(client, auth, f"column=rack&order=desc&per_page=7&page={page}")
        seen += [(int(row["rack"]), row["id"]) for row in body["data"]]

    assert len(seen) == 96 == len(set(seen))
    assert seen == sorted(seen, key=lambda pair: (-pair[0], -pair[1]))


def test_filters_by_rack_and_active(client, demo, auth):
    deactivate(client, auth, 2, 30, 31)

    assert ids(client, auth, "rack=2") == list(range(25, 49))
    assert ids(client, auth, "active=0") == [2, 30, 31]
    assert ids(client, auth, "active=false") == [2, 30, 31]
    assert ids(client, auth, "active=false&rack=2") == [30, 31]
    assert len(ids(client, auth, "active=1")) == 93
    assert len(ids(client, auth, "active=TRUE&rack=1")) == 23
    assert len(ids(client, auth, "active=-1")) == 96  # the web UI's "all"
    assert len(ids(client, auth, "active=")) == 96
    assert ids(client, auth, "rack=9") == []


def test_filters_and_sort_combine_with_search(client, demo, auth):
    deactivate(client, auth, 2)
    body = get_all(client, auth, "q=-b1-&active=1&rack=1&column=level&order=desc&per_page=2")

    assert body["total"] == 3  # R1-B1-N2..N4; R1-B1-N1 is out of service
    assert [row["mapped_string"] for row in body["data"]] == ["R1-B1-N4", "R1-B1-N3"]


@pytest.mark.parametrize("query, field", [
    ("column=nombre", "column"),
    ("column=ID", "column"),
    ("column=id;DROP%20TABLE%20stores", "column"),
    ("column=warehouse", "column"),
    ("column=rack_id", "column"),
    ("order=up", "order"),
    ("order=asc;", "order"),
    ("order=asc%20nulls%20first", "order"),
    ("active=2", "active"),
    ("active=yes", "active"),
    ("active=-2", "active"),
    ("rack=abc", "rack"),
    ("rack=0", "rack"),
    ("rack=99999999999999999999", "rack"),
    ("q=" + "x" * 300, "q"),
    ("q=a%00b", "q"),
    ("per_page=0", "per_page"),
    ("page=x", "page"),
])
def test_bad_parameters(client, demo, auth, query, field):
    response = client.get(f"{BASE}/getall?warehouse_id=1&{query}", headers=auth)

    assert response.status_code == 400
    assert response.json["message"] == "Parametros no validos."
    assert field in response.json["errors"]


@pytest.mark.parametrize("query, status", [
    ("warehouse_id=abc", 400),
    ("warehouse_id=99999999999999999999", 400),
    ("warehouse_id=", 400),
    ("warehouse_id=7", 404),
    ("warehouse_id=7&q=r1&rack=1&active=1", 404),
])
def test_the_warehouse(client, demo, auth, query, status):
    response = client.get(f"{BASE}/getall?{query}", headers=auth)

    assert response.status_code == status
    assert response.json["message"] == (
        "La bodega no existe." if status == 404 else "Parametros no validos.")


def test_a_known_warehouse_with_no_match_is_an_empty_page(app, client, demo, auth):
    with app.app_context():
        db.session.add(Warehouse(id=2, name="Bodega2", store_id=1))
        db.session.commit()

    body = client.get(f"{BASE}/getall?warehouse_id=2&q=r1", headers=auth).json
    assert body["total"] == 0 and body["data"] == []


def test_the_same_statements_at_any_page_size(client, demo, auth, count_queries):
    counts = set()
    for per_page in (1, 15, 100):
        with count_queries() as statements:
            response = client.get(f"{BASE}/getall?warehouse_id=1&per_page={per_page}"
                                  "&q=r&rack=2&active=1&column=level&order=desc", headers=auth)
        assert response.status_code == 200 and len(response.json["data"]) == min(per_page, 24)
        counts.add(len(statements))
    assert counts == {3}  # token, count, page with warehouse and store
