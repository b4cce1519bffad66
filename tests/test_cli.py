"""The flask commands scripts rely on: oauth keys and create-client, wms demo and demo-client,
users create."""
import json

import pytest
import sqlalchemy as sa

from wms import create_app
from wms.extensions import db
from wms.models import OAuthClient, Warehouse, WarehouseLocation


def keys_app(config_class, tmp_path):
    class Config(config_class):
        OAUTH_PRIVATE_KEY = str(tmp_path / "private.key")
        OAUTH_PUBLIC_KEY = str(tmp_path / "public.key")

    return create_app(Config)


def test_keys_writes_a_pair_and_refuses_to_overwrite(config_class, tmp_path):
    runner = keys_app(config_class, tmp_path).test_cli_runner()

    result = runner.invoke(args=["oauth", "keys", "--bits", "2048", "--json"])

    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["private_key"] == str(tmp_path / "private.key") and out["kid"]
    assert (tmp_path / "private.key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "public.key").read_text().startswith("-----BEGIN PUBLIC KEY-----")

    again = runner.invoke(args=["oauth", "keys", "--bits", "2048"])
    assert again.exit_code != 0
    assert "exists" in again.output

    forced = runner.invoke(args=["oauth", "keys", "--bits", "2048", "--force", "--json"])
    assert forced.exit_code == 0
    assert json.loads(forced.output)["kid"] != out["kid"]


def test_keys_refuses_when_the_key_comes_from_the_environment(runner, tmp_path):
    result = runner.invoke(args=["oauth", "keys", "--bits", "2048"])

    assert result.exit_code != 0
    assert "holds the key itself" in result.output


def test_tokens_work_with_keys_from_files(config_class, tmp_path, app):
    """`app` empties the tables afterwards; this app reads its keys from the written files."""
    files_app = keys_app(config_class, tmp_path)
    runner = files_app.test_cli_runner()
    runner.invoke(args=["oauth", "keys", "--bits", "2048"])
    created = json.loads(runner.invoke(args=["oauth", "create-client", "--name", "x",
                                             "--client-credentials", "--json"]).output)
    client = files_app.test_client()

    token = client.post("/oauth/token", data={"grant_type": "client_credentials",
                                              **created}).json["access_token"]
    response = client.get("/api/v1/warehouses/getall",
                          headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
    with files_app.app_context():
        db.engine.dispose()


def test_create_client_prints_its_secret_once_and_stores_a_hash(app, runner):
    result = runner.invoke(args=["oauth", "create-client", "--name", "Scanner 3",
                                 "--client-credentials", "--json"])

    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    assert set(created) == {"client_id", "client_secret"}
    with app.app_context():
        client = db.session.get(OAuthClient, created["client_id"])
        assert client.name == "Scanner 3"
        assert client.secret != created["client_secret"]
        assert created["client_secret"] not in client.secret
        assert client.check_client_secret(created["client_secret"])


def test_create_client_needs_its_kind(runner):
    result = runner.invoke(args=["oauth", "create-client", "--name", "x"])

    assert result.exit_code != 0
    assert "--client-credentials" in result.output


def test_demo_loads_once(app, runner):
    result = runner.invoke(args=["wms", "demo", "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["locations"] == 96
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(WarehouseLocation.id))) == 96

    again = runner.invoke(args=["wms", "demo"])
    assert again.exit_code != 0
    assert "ya tiene bodegas" in again.output

    skipped = runner.invoke(args=["wms", "demo", "--if-empty", "--json"])
    assert skipped.exit_code == 0
    assert json.loads(skipped.output) == {"loaded": False}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Warehouse.id))) == 1


def test_demo_client_is_made_once_with_a_curl_example(runner):
    first = runner.invoke(args=["wms", "demo-client"])

    assert first.exit_code == 0, first.output
    assert "Demo client secret:" in first.output
    assert "curl -s -X POST http://127.0.0.1:8000/oauth/token" in first.output

    second = runner.invoke(args=["wms", "demo-client", "--json"])
    assert json.loads(second.output)["client_secret"] is None


def test_users_create_prints_the_user_without_its_password(runner):
    result = runner.invoke(args=["users", "create", "--name", "Ana", "--email", "Ana@Store.example",
                                 "--password", "long enough", "--admin", "--json"])

    assert result.exit_code == 0, result.output
    user = json.loads(result.output)
    assert user["email"] == "ana@store.example" and user["is_admin"] is True
    assert set(user) == {"id", "name", "email", "is_admin", "created_at", "updated_at"}


@pytest.mark.parametrize("args, problem", [
    (["--email", "not-an-email", "--password", "long enough"], "email"),
    (["--email", "b@store.example", "--password", "short"], "password"),
])
def test_users_create_refuses_bad_input(runner, args, problem):
    result = runner.invoke(args=["users", "create", "--name", "B", *args])

    assert result.exit_code != 0
    assert problem in result.output


def test_users_create_refuses_a_taken_email(runner):
    args = ["users", "create", "--name", "C", "--email", "c@store.example",
            "--password", "long enough"]
    assert runner.invoke(args=args).exit_code == 0

    again = runner.invoke(args=args)

    assert again.exit_code != 0
    assert "already been taken" in again.output


def test_create_client_for_the_scanner_app(app, runner):
    result = runner.invoke(args=["oauth", "create-client", "--name", "Scanner", "--password",
                                 "--public", "--json"])

    created = json.loads(result.output)
    assert created["client_secret"] is None
    with app.app_context():
        client = db.session.get(OAuthClient, created["client_id"])
        assert client.password_client and client.secret is None
