"""Scans safe to re-send: Idempotency-Key (or scan_id) on every locationvariation POST, and
offline batches (locationvariation/batch)."""
import json
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from wms.extensions import db
from wms.models import IdempotencyKey, Movement, Placement
from wms.models.base import utcnow
from wms.services import idempotency
from wms.services.clients import create_client
from wms.services.ledger import verify

from tests.test_remove_and_where import PLACED_AT, PLACED_SKU, location_id, placed

BASE = "/api/v1/locationvariation"
BATCH = f"{BASE}/batch"
LOCATE = {"warehouse_id": 1, "sku": "2000011", "mapped_string": "R2-A1-N1"}
MOVE = {"warehouse_id_from": 1, "mapped_string_from": PLACED_AT, "warehouse_id_to": 1,
        "mapped_string_to": "R1-A1-N2", "sku": PLACED_SKU}
REMOVE = {"warehouse_id": 1, "sku": PLACED_SKU, "mapped_string": PLACED_AT}
REUSED = ("Esta clave de idempotencia ya se uso con otros parametros: use una clave nueva para "
          "cada operacion.")


def state(app):
    """(movements, placements): what a replay must leave unchanged."""
    with app.app_context():
        return (db.session.scalar(sa.select(sa.func.count(Movement.id))),
                set(db.session.execute(sa.select(Placement.variation_id,
                                                 Placement.warehouselocation_id)).all()))


def keyed(auth, key):
    return {**auth, "Idempotency-Key": key}


# One request, one key

@pytest.mark.parametrize("route, body", [
    ("locateitemscan", LOCATE), ("locateitemweb", LOCATE), ("moveitemscan", MOVE),
    ("moveitemweb", MOVE), ("removeitemfromlocation", REMOVE)])
def test_a_repeat_gets_the_first_answer_and_writes_nothing(app, client, demo, auth, route,
                                                           body):
    first = client.post(f"{BASE}/{route}", json=body, headers=keyed(auth, "scan-0001"))
    assert first.status_code == 200, first.json
    assert "Idempotent-Replayed" not in first.headers
    after_first = state(app)

    again = client.post(f"{BASE}/{route}", json=body, headers=keyed(auth, "scan-0001"))

    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_data() == first.get_data()
    assert state(app) == after_first


def test_a_repeated_move_is_not_a_404(client, demo, auth):
    """Without the key, re-sending a move that went through finds the SKU gone from its source;
    with it, the scanner gets the answer it lost."""
    assert client.post(f"{BASE}/moveitemscan", json=MOVE,
                       headers=keyed(auth, "m-1")).status_code == 200
    assert client.post(f"{BASE}/moveitemscan", json=MOVE, headers=auth).status_code == 404
    assert client.post(f"{BASE}/moveitemscan", json=MOVE,
                       headers=keyed(auth, "m-1")).status_code == 200


def test_the_same_key_with_other_parameters_is_a_conflict(app, client, demo, auth):
    client.post(f"{BASE}/locateitemscan", json=LOCATE, headers=keyed(auth, "k"))
    before = state(app)

    response = client.post(f"{BASE}/locateitemscan", headers=keyed(auth, "k"),
                           json={**LOCATE, "mapped_string": "R2-A1-N2"})

    assert response.status_code == 409
    assert response.json == {"message": REUSED}
    assert state(app) == before


def test_the_parameters_compare_by_value_not_by_spelling(client, demo, auth):
    """A scanner re-sending "1" where it first sent 1 (or a lower-case code) repeats itself."""
    client.post(f"{BASE}/locateitemscan", json=LOCATE, headers=keyed(auth, "k"))
    again = client.post(f"{BASE}/locateitemscan?warehouse_id=1&sku=2000011"
                        "&mapped_string=r2-a1-n1", headers=keyed(auth, "k"))
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"


def test_scan_id_works_as_the_key_and_the_header_wins(app, client, demo, auth):
    first = client.post(f"{BASE}/locateitemscan", json={**LOCATE, "scan_id": "s-9"},
                        headers=auth)
    again = client.post(f"{BASE}/locateitemscan", json={**LOCATE, "scan_id": "s-9"},
                        headers=auth)
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json

    header_wins = client.post(f"{BASE}/locateitemscan", json={**LOCATE, "scan_id": "s-9"},
                              headers=keyed(auth, "other"))
    assert "Idempotent-Replayed" not in header_wins.headers


def test_keys_belong_to_their_client(app, client, demo, auth):
    with app.app_context():
        other, secret = create_client(name="Other scanner")
    token = client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": other.id,
        "client_secret": secret}).json["access_token"]
    client.post(f"{BASE}/locateitemscan", json=LOCATE, headers=keyed(auth, "shared"))

    response = client.post(f"{BASE}/moveitemscan", json=MOVE, headers={
        "Authorization": f"Bearer {token}", "Idempotency-Key": "shared"})

    assert response.status_code == 200
    assert "Idempotent-Replayed" not in response.headers
    assert placed(app, PLACED_SKU) == {"R1-A1-N2"}


def test_an_error_is_not_kept(app, client, demo, auth):
    """A refused request stored nothing: the key is still free."""
    bad = {**LOCATE, "mapped_string": "R9-A1-N1"}
    assert client.post(f"{BASE}/locateitemscan", json=bad,
                       headers=keyed(auth, "k")).status_code == 404
    response = client.post(f"{BASE}/locateitemscan", json=LOCATE, headers=keyed(auth, "k"))
    assert response.status_code == 200
    assert "Idempotent-Replayed" not in response.headers


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "ñandú", " "])
def test_a_bad_key_is_refused(app, client, demo, auth, key):
    before = state(app)
    response = client.post(f"{BASE}/locateitemscan", json=LOCATE, headers=keyed(auth, key))
    assert response.status_code == 400
    assert response.json == {"message": "Parametros no validos.", "errors": {
        "Idempotency-Key": ["Must be 1 to 255 visible ASCII characters."]}}
    assert state(app) == before


@pytest.mark.parametrize("scan_id", [True, 1.5, ["a"], {"a": 1}, ""])
def test_a_bad_scan_id_is_refused(client, demo, auth, scan_id):
    response = client.post(f"{BASE}/locateitemscan", json={**LOCATE, "scan_id": scan_id},
                           headers=auth)
    assert response.status_code == 400
    assert "scan_id" in response.json["errors"]


def test_keys_expire_and_purge_scans_deletes_them(app, client, demo, auth, runner):
    client.post(f"{BASE}/locateitemscan", json=LOCATE, headers=keyed(auth, "old"))
    client.post(f"{BASE}/locateitemscan", json=LOCATE, headers=keyed(auth, "new"))
    with app.app_context():
        stored = db.session.scalar(sa.select(IdempotencyKey).where(IdempotencyKey.key == "old"))
        assert stored.expires_at - stored.created_at == timedelta(days=7)
        stored.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()

    # Past its time the key is free again: a new request, applied.
    response = client.post(f"{BASE}/locateitemscan", headers=keyed(auth, "old"),
                           json={**LOCATE, "mapped_string": "R2-A1-N2"})
    assert response.status_code == 200 and "Idempotent-Replayed" not in response.headers
    with app.app_context():
        db.session.execute(sa.update(IdempotencyKey).where(IdempotencyKey.key == "old")
                           .values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()

    result = runner.invoke(args=["wms", "purge-scans", "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"deleted": 1}
    with app.app_context():
        assert db.session.scalars(sa.select(IdempotencyKey.key)).all() == ["new"]


def test_the_ttl_is_configurable(app, client, demo, auth):
    app.config["IDEMPOTENCY_TTL"] = 60
    client.post(f"{BASE}/locateitemscan", json=LOCATE, headers=keyed(auth, "k"))
    with app.app_context():
        stored = db.session.scalar(sa.select(IdempotencyKey))
        assert stored.expires_at - stored.created_at == timedelta(seconds=60)


def test_an_undo_is_replay_safe_too(app, client, demo, auth):
    client.post(f"{BASE}/moveitemscan", json=MOVE, headers=auth)
    movement = client.get(f"{BASE}/history?per_page=1", headers=auth).json["data"][0]["id"]
    first = client.post(f"{BASE}/undo", json={"movement_id": movement}, headers=keyed(auth, "u"))
    again = client.post(f"{BASE}/undo", json={"movement_id": movement}, headers=keyed(auth, "u"))
    assert first.status_code == again.status_code == 200
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    unkeyed = client.post(f"{BASE}/undo", json={"movement_id": movement}, headers=auth)
    assert unkeyed.status_code == 409


# Offline batches

def scan(scan_id, action, **params):
    return {"scan_id": scan_id, "action": action, **params}


def test_a_batch_applies_each_scan_on_its_own_and_says_how_each_went(app, client, demo, auth):
    scans = [
        scan("b-1", "locate", **LOCATE, scanned_at="2026-11-30 08:00:00"),
        scan("b-2", "move", **MOVE),
        scan("b-3", "move", **MOVE),                                  # not at its source now
        scan("b-4", "locate", **{**LOCATE, "mapped_string": "R9-A9-N9"}),  # no such location
        scan("b-5", "remove", **{**REMOVE, "mapped_string": "R1-A1-N2"}),
        scan("b-6", "teleport", sku="1"),
        scan("b-7", "locate", warehouse_id=1, sku="2000011"),
        {"action": "locate", **LOCATE},
        "not a scan",
    ]
    response = client.post(BATCH, json={"scans": scans}, headers=auth)

    assert response.status_code == 200, response.json
    results = response.json["results"]
    assert [(r["scan_id"], r["status"]) for r in results] == [
        ("b-1", "applied"), ("b-2", "applied"), ("b-3", "conflict"), ("b-4", "rejected"),
        ("b-5", "applied"), ("b-6", "rejected"), ("b-7", "rejected"), (None, "rejected"),
        (None, "rejected")]
    assert results[0]["placement"]["warehouselocation_id"] == location_id(app, "R2-A1-N1")
    assert results[1]["placement"]["warehouselocation_id"] == location_id(app, "R1-A1-N2")
    assert results[2]["error"] == {"message": "El item no se encontraba ubicado ahi."}
    assert results[2]["current"]["sku"] == PLACED_SKU
    assert [p["mapped_string"] for p in results[2]["current"]["locations"]] == ["R1-A1-N2"]
    assert results[3]["error"] == {"message": "No se encontro la ubicacion destino."}
    assert results[4]["removal"]["message"] == {"product_id": 4410, "deletedSize": "MED"}
    assert "action" in results[5]["error"]["errors"]
    assert "mapped_string" in results[6]["error"]["errors"]
    assert "scan_id" in results[7]["error"]["errors"]
    assert placed(app, PLACED_SKU) == set() and placed(app, "2000011") == {"R2-A1-N1"}
    with app.app_context():
        first = db.session.scalar(sa.select(Movement).where(Movement.kind == "locate"))
        assert first.scanned_at.strftime("%Y-%m-%d %H:%M:%S") == "2026-11-30 08:00:00"
        assert verify() == ([], [])


def test_a_batch_sent_again_after_a_lost_answer_changes_nothing(app, client, demo, auth):
    scans = [scan("r-1", "locate", **LOCATE), scan("r-2", "move", **MOVE),
             scan("r-3", "remove", **{**REMOVE, "mapped_string": "R1-A1-N2"})]
    first = client.post(BATCH, json={"scans": scans}, headers=auth).json["results"]
    after = state(app)

    again = client.post(BATCH, json={"scans": scans}, headers=auth).json["results"]

    assert [r["status"] for r in first] == ["applied"] * 3
    assert [r["status"] for r in again] == ["replayed"] * 3
    for before, now in zip(first, again):
        assert {**before, "status": "replayed"} == now
    assert state(app) == after


def test_a_batch_repeating_a_scan_id_with_other_content_is_a_conflict(app, client, demo, auth):
    scans = [scan("d-1", "locate", **LOCATE), scan("d-1", "locate", **LOCATE),
             scan("d-1", "locate", **{**LOCATE, "sku": "2000012"})]
    results = client.post(BATCH, json={"scans": scans}, headers=auth).json["results"]
    assert [r["status"] for r in results] == ["applied", "replayed", "conflict"]
    assert results[2]["error"] == {"message": REUSED}
    assert placed(app, "2000012") != {"R2-A1-N1"}


def test_a_batch_with_its_own_key_gets_its_first_answer_back(app, client, demo, auth):
    scans = [scan("k-1", "locate", **LOCATE), scan("k-2", "move", **MOVE)]
    first = client.post(BATCH, json={"scans": scans}, headers=keyed(auth, "batch-77"))
    again = client.post(BATCH, json={"scans": scans}, headers=keyed(auth, "batch-77"))

    assert again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true"
    other = client.post(BATCH, json={"scans": scans[:1]}, headers=keyed(auth, "batch-77"))
    assert other.status_code == 409


def test_a_batch_sent_twice_at_once_with_its_key_gets_one_answer(app, client, demo, auth,
                                                                 monkeypatch):
    """The copy arrives while the first is still applying its scans (here: after them, before
    it stores its answer). As for any other key, the two get one answer: the first stored, and
    the other its copy (Idempotent-Replayed), not an answer of their own each."""
    body, headers = {"scans": [scan("w-1", "locate", **LOCATE), scan("w-2", "move", **MOVE)]}, \
        keyed(auth, "batch-88")
    remember, copy = idempotency.remember, {}

    def copy_arrives_first(**kwargs):
        monkeypatch.setattr(idempotency, "remember", remember)
        thread = threading.Thread(target=lambda: copy.update(
            answer=app.test_client().post(BATCH, json=body, headers=headers)))
        thread.start()
        thread.join(30)
        return remember(**kwargs)

    monkeypatch.setattr(idempotency, "remember", copy_arrives_first)
    first = client.post(BATCH, json=body, headers=headers)
    after = state(app)

    answers = [first, copy["answer"]]
    assert [answer.status_code for answer in answers] == [200, 200]
    assert first.get_data() == copy["answer"].get_data()
    assert sorted(answer.headers.get("Idempotent-Replayed", "") for answer in answers) == [
        "", "true"]
    again = client.post(BATCH, json=body, headers=headers)
    assert again.get_data() == first.get_data() and state(app) == after


@pytest.mark.parametrize("body", [{}, {"scans": []}, {"scans": "all"}, {"scans": {"a": 1}},
                                  {"scans": [scan(str(n), "locate", **LOCATE)
                                             for n in range(501)]}])
def test_a_batch_holds_one_to_five_hundred_scans(app, client, demo, auth, body):
    before = state(app)
    response = client.post(BATCH, json=body, headers=auth)
    assert response.status_code == 400
    assert response.json["message"] == "Parametros no validos."
    assert state(app) == before


def test_a_scan_time_from_the_future_is_rejected(client, demo, auth):
    future = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S")
    results = client.post(BATCH, headers=auth, json={"scans": [
        scan("f-1", "locate", **LOCATE, scanned_at=future)]}).json["results"]
    assert results[0]["status"] == "rejected"
    assert results[0]["error"]["errors"] == {"scanned_at": ["Must not be in the future."]}


def test_five_hundred_scans_in_one_batch(app, client, demo, auth):
    codes = ["R1-A1-N1", "R1-A1-N2"]
    scans = [scan(f"m-{n}", "move", **{**MOVE, "mapped_string_from": codes[n % 2],
                                       "mapped_string_to": codes[(n + 1) % 2]})
             for n in range(500)]
    client.post(f"{BASE}/moveitemscan", json={**MOVE, "mapped_string_to": "R1-A1-N1"},
                headers=auth)
    results = client.post(BATCH, json={"scans": scans}, headers=auth).json["results"]
    assert [r["status"] for r in results] == ["applied"] * 500
    assert placed(app, PLACED_SKU) == {"R1-A1-N1"}
