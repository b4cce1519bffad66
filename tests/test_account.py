"""/oauth routes for a signed-in user."""


def test_scopes_are_listed_for_a_user(client, user_auth):
    response = client.get("/oauth/scopes", headers=user_auth)

    assert response.status_code == 200
    assert response.json == [
        {"id": "read", "description": "Read warehouse data"},
        {"id": "write", "description": "Read and change warehouse data"},
        {"id": "users", "description": "Manage users and their tokens"},
    ]


def test_a_client_credentials_token_is_no_user(client, auth):
    response = client.get("/oauth/scopes", headers=auth)

    assert response.status_code == 401
    assert response.json == {"message": "Unauthenticated."}


def test_a_guest_is_unauthenticated(client):
    response = client.get("/oauth/scopes")

    assert response.status_code == 401
    assert response.json == {"message": "Unauthenticated."}
