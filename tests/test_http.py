"""HTTP conventions every route shares: merged parameters, slashes, JSON errors."""
import pytest

from wms.services import warehouses

STORE = "/api/v1/warehouses/store"


def test_form_wins_over_the_query_string(client, demo, auth):
    response = client.post(f"{STORE}?name=query&store_id=1", data={"name": "form"},
                           headers=auth)

    assert response.json["name"] == "form"


def test_json_wins_over_the_query_string(client, demo, auth):
    response = client.post(f"{STORE}?name=query&store_id=1", json={"name": "json"},
                           headers=auth)

    assert response.json["name"] == "json"


def test_an_empty_json_body_is_valid(client, demo, auth):
    response = client.post(f"{STORE}?name=vacia&store_id=1", data="",
                           headers={**auth, "Content-Type": "application/json"})

    assert response.status_code == 201


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '"texto"', "\xff\xfe", "[" * 200000,
                                  '{"name": "\\ud800x", "store_id": 1}'])
def test_a_json_body_must_be_an_object(client, demo, auth, body):
    response = client.post(f"{STORE}?name=x&store_id=1", data=body,
                           headers={**auth, "Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.json["message"] == "Parametros no validos."
    assert "body" in response.json["errors"]


def test_a_huge_body_is_refused(client, demo, auth):
    response = client.post(STORE, data="x" * (1024 * 1024 + 1),
                           headers={**auth, "Content-Type": "application/json"})

    assert response.status_code == 413
    assert "message" in response.json


def test_the_last_of_repeated_parameters_wins(client, demo, auth):
    response = client.post(f"{STORE}?name=uno&name=dos&store_id=1", headers=auth)

    assert response.json["name"] == "dos"


def test_trailing_slashes_are_optional(client, demo, auth):
    response = client.get("/api/v1/warehouses/getall/", headers=auth)

    assert response.status_code == 200
    assert response.json["total"] == 1


def test_double_slashes_answer_json(client, auth):
    response = client.get("/api/v1//warehouses/getall", headers=auth)

    assert response.status_code == 404
    assert "message" in response.json


def test_unknown_routes_answer_json(client, auth):
    response = client.get("/api/v1/nothing-here", headers=auth)

    assert response.status_code == 404
    assert "message" in response.json


def test_wrong_method_answers_json(client, auth):
    response = client.get(STORE, headers=auth)

    assert response.status_code == 405
    assert "message" in response.json
    assert "POST" in response.headers["Allow"]


def test_an_unexpected_error_is_a_json_500_without_details(app, client, demo, auth,
                                                           monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(warehouses, "create_warehouse", broken)
    response = client.post(f"{STORE}?name=x&store_id=1", headers=auth)

    assert response.status_code == 500
    assert response.json == {"message": "Error interno del servidor."}
    assert b"secret internals" not in response.data
