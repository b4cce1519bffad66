"""The ledger as people read it (locationvariation/history) and undoing a movement
(locationvariation/undo): what comes back, what is refused, and that a refusal writes nothing."""
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from wms.extensions import db
from wms.models import Movement, Placement, WarehouseLocation
from wms.models.base import utcnow
from wms.services.ledger import verify

from tests.test_remove_and_where import PLACED_AT, PLACED_SKU, locate, location_id, placed

BASE = "/api/v1/locationvariation"
HISTORY, UNDO = f"{BASE}/history", f"{BASE}/undo"
ENTRY_KEYS = ["id", "kind", "sku", "variation_id", "from", "to", "user", "client", "created_at",
              "scanned_at", "undo_of", "undone_by"]


def move(client, auth, sku, source, target, **extra):
    response = client.post(f"{BASE}/moveitemscan", headers=auth, json={
        "warehouse_id_from": 1, "mapped_string_from": source, "warehouse_id_to": 1,
        "mapped_string_to": target, "sku": sku, **extra})
    assert response.status_code == 200, response.json
    return response.json


def remove(client, auth, sku, code):
    response = client.post(f"{BASE}/removeitemfromlocation", headers=auth,
                           json={"warehouse_id": 1, "sku": sku, "mapped_string": code})
    assert response.status_code == 200, response.json
    return response.json


def latest(client, auth, **filters):
    return client.get(HISTORY, headers=auth, query_string={"per_page": 1, **filters}).json[
        "data"][0]


def undo(client, auth, movement_id):
    return client.post(UNDO, headers=auth, json={"movement_id": movement_id})


def movement_count(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Movement.id)))


# History

def test_history_is_the_ledger_newest_first(app, client, demo, auth, oauth_client):
    move(client, auth, PLACED_SKU, PLACED_AT, "R1-A1-N2", scanned_at="2026-01-02 03:04:05")
    response = client.get(HISTORY, headers=auth)

    assert response.status_code == 200
    page = response.json
    assert list(page)[:2] == ["current_page", "data"] and page["total"] == 64
    entry = page["data"][0]
    assert list(entry) == ENTRY_KEYS
    assert entry["kind"] == "move" and entry["sku"] == PLACED_SKU
    assert entry["from"] == {"id": location_id(app, PLACED_AT), "mapped_string": PLACED_AT,
                             "warehouse_id": 1}
    assert entry["to"]["mapped_string"] == "R1-A1-N2"
    assert entry["user"] is None
    assert entry["client"] == {"id": oauth_client[0].id, "name": "Test scanner"}
    assert entry["scanned_at"] == "2026-01-02 03:04:05"
    datetime.strptime(entry["created_at"], "%Y-%m-%d %H:%M:%S")
    assert entry["undo_of"] is None and entry["undone_by"] is None
    # The demo data's placements are in the ledger too, as imports.
    oldest = page["data"][-1]
    assert oldest["kind"] == "import" and oldest["from"] is None and oldest["client"] is None
    ids = [e["id"] for e in page["data"]]
    assert ids == sorted(ids, reverse=True)


def test_a_users_token_names_the_user(client, demo, user, user_auth):
    locate(client, user_auth, "2000011", "R2-A1-N1")
    entry = latest(client, user_auth)
    assert entry["user"] == {"id": user.id, "name": "Clerk"}
    assert entry["client"]["name"] == "Web UI"


def test_history_filters(app, client, demo, auth, user, user_auth):
    locate(client, auth, "2000011", "R2-A1-N1")
    move(client, user_auth, "2000011", "R2-A1-N1", "R3-B1-N1")
    remove(client, auth, PLACED_SKU, PLACED_AT)

    def ids(**filters):
        body = client.get(HISTORY, headers=auth, query_string={"per_page": 100, **filters}).json
        return [(e["kind"], e["sku"]) for e in body["data"]]

    assert ids(sku="2000011") == [("move", "2000011"), ("locate", "2000011")]
    assert ids(kind="remove") == [("remove", PLACED_SKU)]
    assert ids(user_id=user.id) == [("move", "2000011")]

    def scanned(**filters):
        return [entry for entry in ids(**filters) if entry[0] != "import"]

    assert scanned(mapped_string=" r03-b01-n01 ") == [("move", "2000011")]
    assert scanned(warehouse_id=1, mapped_string="R2-A1-N1") == [("move", "2000011"),
                                                                 ("locate", "2000011")]
    assert len(ids(warehouse_id=1)) == 66
    assert ids(warehouse_id=2) == []
    assert len(ids(kind="import")) == 63
    assert ids(since="2019-09-02 17:35:45", kind="import") == []
    assert len(ids(until="2019-09-02T17:35:44Z")) == 63
    assert ids(since="2019-09-02T18:35:44+01:00", until="2019-09-02 17:35:44",
               kind="import") != []


@pytest.mark.parametrize("query", ["kind=teleport", "since=ayer", "until=2019-13-01",
                                   "user_id=-1", "client_id=x", "warehouse_id=0",
                                   "page=0", "per_page=100000", "sku=" + "9" * 65])
def test_history_refuses_bad_filters(client, demo, auth, query):
    response = client.get(f"{HISTORY}?{query}", headers=auth)
    assert response.status_code == 400
    assert response.json["message"] == "Parametros no validos."


def test_history_runs_the_same_statements_at_any_page_size(client, demo, auth, user_auth,
                                                           count_queries):
    move(client, user_auth, PLACED_SKU, PLACED_AT, "R1-A1-N2")
    undo(client, auth, latest(client, auth)["id"])
    sizes = {}
    for per_page in (1, 15, 100):
        with count_queries() as statements:
            assert client.get(f"{HISTORY}?per_page={per_page}", headers=auth).status_code == 200
        sizes[per_page] = len(statements)
    assert set(sizes.values()) == {3}  # the token, the count, the page


# Undo

def test_undo_a_move_puts_the_placement_back(app, client, demo, auth):
    moved = move(client, auth, PLACED_SKU, PLACED_AT, "R1-A1-N2")
    original = latest(client, auth)

    response = undo(client, auth, original["id"])

    assert response.status_code == 200, response.json
    compensating = response.json["movement"]
    assert compensating["kind"] == "undo" and compensating["undo_of"] == original["id"]
    assert compensating["from"]["mapped_string"] == "R1-A1-N2"
    assert compensating["to"]["mapped_string"] == PLACED_AT
    [where] = response.json["current"]["locations"]
    assert where["mapped_string"] == PLACED_AT and where["placement_id"] == moved["id"]
    assert placed(app, PLACED_SKU) == {PLACED_AT}
    assert latest(client, auth, kind="move")["undone_by"] == compensating["id"]
    assert_ledger_replays(app)


def test_undo_a_locate_ends_the_placement(app, client, demo, auth):
    locate(client, auth, "2000011", "R2-A1-N1")
    response = undo(client, auth, latest(client, auth)["id"])
    assert response.status_code == 200, response.json
    assert response.json["movement"]["from"]["mapped_string"] == "R2-A1-N1"
    assert response.json["movement"]["to"] is None
    assert placed(app, "2000011") == set()
    assert_ledger_replays(app)


def test_undo_a_remove_puts_it_back(app, client, demo, auth):
    remove(client, auth, PLACED_SKU, PLACED_AT)
    response = undo(client, auth, latest(client, auth)["id"])
    assert response.status_code == 200, response.json
    assert placed(app, PLACED_SKU) == {PLACED_AT}
    assert_ledger_replays(app)


def test_undo_a_merging_move_restores_both_placements(app, client, demo, auth):
    locate(client, auth, PLACED_SKU, "R1-A1-N2")
    move(client, auth, PLACED_SKU, PLACED_AT, "R1-A1-N2")  # merges into R1-A1-N2
    assert placed(app, PLACED_SKU) == {"R1-A1-N2"}

    response = undo(client, auth, latest(client, auth)["id"])

    assert response.status_code == 200, response.json
    assert response.json["movement"]["from"] is None
    assert placed(app, PLACED_SKU) == {PLACED_AT, "R1-A1-N2"}
    assert_ledger_replays(app)


def test_undo_a_demo_import(app, client, demo, auth):
    original = latest(client, auth, sku=PLACED_SKU)
    assert original["kind"] == "import"
    assert undo(client, auth, original["id"]).status_code == 200
    assert placed(app, PLACED_SKU) == set()


def refused(app, client, auth, movement_id, message, status=409):
    before = movement_count(app)
    with app.app_context():
        placements = set(db.session.execute(sa.select(Placement.variation_id,
                                                      Placement.warehouselocation_id)).all())
    response = undo(client, auth, movement_id)
    assert response.status_code == status, response.json
    assert response.json["message"] == message
    assert movement_count(app) == before
    with app.app_context():
        assert set(db.session.execute(sa.select(Placement.variation_id,
                                                Placement.warehouselocation_id)).all()) \
            == placements
    return response.json


CHANGED = "La ubicacion cambio despues de ese movimiento: no se puede deshacer."


def test_undoing_twice_or_undoing_an_undo_is_a_conflict(app, client, demo, auth):
    move(client, auth, PLACED_SKU, PLACED_AT, "R1-A1-N2")
    original = latest(client, auth)["id"]
    compensating = undo(client, auth, original).json["movement"]["id"]

    body = refused(app, client, auth, original, "El movimiento ya fue deshecho.")
    assert [p["mapped_string"] for p in body["current"]["locations"]] == [PLACED_AT]
    refused(app, client, auth, compensating,
            "Un movimiento que deshace otro no se puede deshacer.")


def test_a_placement_moved_on_since_cannot_be_undone(app, client, demo, auth):
    move(client, auth, PLACED_SKU, PLACED_AT, "R1-A1-N2")
    first = latest(client, auth)["id"]
    move(client, auth, PLACED_SKU, "R1-A1-N2", "R1-A1-N3")

    body = refused(app, client, auth, first, CHANGED)
    assert [p["mapped_string"] for p in body["current"]["locations"]] == ["R1-A1-N3"]


def test_a_removed_placement_cannot_have_its_locate_undone(app, client, demo, auth):
    locate(client, auth, "2000011", "R2-A1-N1")
    located = latest(client, auth)["id"]
    remove(client, auth, "2000011", "R2-A1-N1")
    refused(app, client, auth, located, CHANGED)


def test_a_removal_cannot_be_undone_once_the_location_holds_it_again(app, client, demo, auth):
    remove(client, auth, PLACED_SKU, PLACED_AT)
    removal = latest(client, auth)["id"]
    locate(client, auth, PLACED_SKU, PLACED_AT)
    refused(app, client, auth, removal, CHANGED)


def test_a_later_change_elsewhere_does_not_block_an_undo(app, client, demo, auth):
    move(client, auth, PLACED_SKU, PLACED_AT, "R1-A1-N2")
    first = latest(client, auth)["id"]
    locate(client, auth, PLACED_SKU, "R3-A1-N1")   # another location of the same SKU
    locate(client, auth, "2000011", PLACED_AT)     # another SKU at the same location
    assert undo(client, auth, first).status_code == 200
    assert placed(app, PLACED_SKU) == {PLACED_AT, "R3-A1-N1"}


@pytest.mark.parametrize("body, status", [
    ({"movement_id": 999999}, 404), ({}, 400), ({"movement_id": "uno"}, 400),
    ({"movement_id": 0}, 400), ({"movement_id": 2**40}, 400), ({"movement_id": True}, 400)])
def test_undo_refuses_bad_or_unknown_ids(client, demo, auth, body, status):
    response = client.post(UNDO, headers=auth, json=body)
    assert response.status_code == status
    expected = "El movimiento no existe." if status == 404 else "Parametros no validos."
    assert response.json["message"] == expected


# Locations out of service

@pytest.fixture
def closed(app, demo):
    """R1-A1-N2 is out of service."""
    with app.app_context():
        location = db.session.get(WarehouseLocation, location_id(app, "R1-A1-N2"))
        location.active = False
        db.session.commit()


def test_nothing_is_located_or_moved_into_a_location_out_of_service(app, client, auth, closed):
    before = movement_count(app)
    located = client.post(f"{BASE}/locateitemscan", headers=auth, json={
        "warehouse_id": 1, "sku": "2000011", "mapped_string": "R1-A1-N2"})
    moved = client.post(f"{BASE}/moveitemscan", headers=auth, json={
        "warehouse_id_from": 1, "mapped_string_from": PLACED_AT, "warehouse_id_to": 1,
        "mapped_string_to": "R1-A1-N2", "sku": PLACED_SKU})

    for response in (located, moved):
        assert response.status_code == 409
        assert response.json == {"message": "La ubicacion destino esta fuera de servicio."}
    assert movement_count(app) == before
    assert placed(app, PLACED_SKU) == {PLACED_AT}


def assert_ledger_replays(app):
    with app.app_context():
        assert verify() == ([], [])


def test_scan_times_are_checked(client, demo, auth):
    future = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S")
    response = client.post(f"{BASE}/locateitemscan", headers=auth, json={
        "warehouse_id": 1, "sku": "2000011", "mapped_string": "R2-A1-N1",
        "scanned_at": future})
    assert response.status_code == 400
    assert response.json["errors"] == {"scanned_at": ["Must not be in the future."]}
