"""POST /api/v1/warehouselocations/editlocationactive (the web UI's switch, W10) and `active` in
the rows of getblocks and getall."""
import pytest
import sqlalchemy as sa

from wms.extensions import db
from wms.models import WarehouseLocation

BASE = "/api/v1/warehouselocations"
JSON = {"Content-Type": "application/json"}


def active_of(app, location_id):
    with app.app_context():
        return db.session.scalar(sa.select(WarehouseLocation.active)
                                 .where(WarehouseLocation.id == location_id))


def inactive_ids(app):
    with app.app_context():
        return set(db.session.scalars(sa.select(WarehouseLocation.id)
                                      .where(WarehouseLocation.active == sa.false())))


def test_the_web_uis_switch_takes_a_location_out_of_service(app, client, demo, auth):
    # W10: both parameters in the query, an empty JSON body.
    response = client.post(f"{BASE}/editlocationactive?id=3&chk=false", data="",
                           headers={**auth, **JSON})

    assert response.status_code == 200
    body = response.json
    assert body == {"id": 3, "warehouse_id": 1, "rack": "1", "block": "1", "level": "2",
                    "side": "1", "mapped_string": "R1-A1-N2",
                    "created_at": "2019-09-02 22:14:56", "updated_at": body["updated_at"],
                    "active": 0, "message": "Se modifico con exito"}
    assert body["updated_at"] != "2019-09-02 22:14:56"
    assert inactive_ids(app) == {3}

    response = client.post(f"{BASE}/editlocationactive?id=3&chk=true", data="",
                           headers={**auth, **JSON})
    assert response.status_code == 200
    assert response.json["active"] == 1
    assert inactive_ids(app) == set()


@pytest.mark.parametrize("chk, active", [
    ("false", False), ("true", True), ("0", False), ("1", True), ("FALSE", False),
    ("True", True), (False, False), (True, True), (0, False), (1, True),
])
def test_chk_as_text_number_or_json_boolean(app, client, demo, auth, chk, active):
    if active:
        client.post(f"{BASE}/editlocationactive?id=5&chk=false", headers=auth)

    response = client.post(f"{BASE}/editlocationactive", json={"id": 5, "chk": chk},
                           headers=auth)

    assert response.status_code == 200
    assert response.json["active"] == int(active)
    assert active_of(app, 5) is active


def test_the_body_wins_over_the_query(app, client, demo, auth):
    response = client.post(f"{BASE}/editlocationactive?id=3&chk=false",
                           json={"id": 4}, headers=auth)

    assert response.status_code == 200
    assert inactive_ids(app) == {4}


def test_setting_the_same_state_again_is_harmless(app, client, demo, auth):
    for _ in range(2):
        response = client.post(f"{BASE}/editlocationactive?id=7&chk=0", headers=auth)
        assert response.status_code == 200
    assert inactive_ids(app) == {7}


@pytest.mark.parametrize("query, field", [
    ("id=3", "chk"),
    ("chk=false", "id"),
    ("id=3&chk=", "chk"),
    ("id=3&chk=yes", "chk"),
    ("id=3&chk=2", "chk"),
    ("id=3&chk=-1", "chk"),
    ("id=abc&chk=false", "id"),
    ("id=0&chk=false", "id"),
    ("id=-3&chk=false", "id"),
    ("id=3.0&chk=false", "id"),
    ("id=99999999999999999999&chk=false", "id"),
    ("id=" + "9" * 5000 + "&chk=false", "id"),
])
def test_bad_parameters_change_nothing(app, client, demo, auth, query, field):
    response = client.post(f"{BASE}/editlocationactive?{query}", data="",
                           headers={**auth, **JSON})

    assert response.status_code == 400
    assert response.json["message"] == "Parametros no validos."
    assert field in response.json["errors"]
    assert inactive_ids(app) == set()


@pytest.mark.parametrize("body, field", [
    ({"id": 3, "chk": "maybe"}, "chk"),
    ({"id": 3, "chk": 0.0}, "chk"),
    ({"id": 3, "chk": None}, "chk"),
    ({"id": 3, "chk": [True]}, "chk"),
    ({"id": True, "chk": False}, "id"),
    ({"id": 2**40, "chk": False}, "id"),
    ({"id": "3", "chk": {"a": 1}}, "chk"),
])
def test_bad_json_changes_nothing(app, client, demo, auth, body, field):
    response = client.post(f"{BASE}/editlocationactive", json=body, headers=auth)

    assert response.status_code == 400
    assert field in response.json["errors"]
    assert inactive_ids(app) == set()


def test_an_unknown_location(app, client, demo, auth):
    response = client.post(f"{BASE}/editlocationactive?id=999&chk=false", headers=auth)

    assert response.status_code == 404
    assert response.json == {"message": "La localización no existe."}


def test_it_is_a_write(app, client, demo, oauth_client):
    app_client, secret = oauth_client
    read_only = client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": app_client.id,
        "client_secret": secret, "scope": "read"}).json["access_token"]

    response = client.post(f"{BASE}/editlocationactive?id=3&chk=false",
                           headers={"Authorization": f"Bearer {read_only}"})
    assert response.status_code == 403
    assert client.post(f"{BASE}/editlocationactive?id=3&chk=false").status_code == 401
    assert inactive_ids(app) == set()


def test_getblocks_and_getall_rows_carry_active_as_a_number(client, demo, auth):
    client.post(f"{BASE}/editlocationactive?id=2&chk=false", headers=auth)

    blocks = client.get(f"{BASE}/getblocks?warehouse_id=1&rack=1", headers=auth).json
    assert [b["active"] for b in blocks[:3]] == [1, 0, 1]
    assert all(type(b["active"]) is int for b in blocks)

    rows = client.get(f"{BASE}/getall?warehouse_id=1&per_page=3", headers=auth).json["data"]
    assert [r["active"] for r in rows] == [1, 0, 1]
    assert list(rows[0])[-2:] == ["active", "warehouse"]
