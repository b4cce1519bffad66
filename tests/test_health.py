"""GET /healthz (the process answers) and GET /readyz (the database answers, migrations at
head): no token, JSON, 503 when not ready."""
import pytest
from flask_migrate import downgrade, upgrade

from wms.extensions import db

NOT_MIGRATED = "Servicio no disponible: la base de datos no tiene las migraciones al día."


@pytest.fixture
def unreachable(make_app, tmp_path):
    return make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/wms.db")


def test_healthz_answers_without_the_database(client, count_queries, unreachable):
    with count_queries() as statements:
        response = client.get("/healthz")

    assert (response.status_code, response.json) == (200, {"status": "ok"})
    assert statements == []
    assert unreachable.test_client().get("/healthz").status_code == 200


def test_readyz_is_503_while_the_database_is_unreachable(unreachable):
    response = unreachable.test_client().get("/readyz")

    assert response.status_code == 503
    assert response.json == {"message": "Servicio no disponible: la base de datos no responde.",
                             "status": "unavailable", "database": "unreachable"}
    assert int(response.headers["Retry-After"]) >= 1


def test_readyz_is_503_on_a_database_not_made_by_the_migrations(client):
    """The suite's tables come from create_all: no Alembic revision at all."""
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json["message"] == NOT_MIGRATED
    assert response.json["database"] == "ok"
    assert response.json["migrations"]["current"] == []
    assert response.json["migrations"]["head"]


def test_readyz_at_the_head_and_one_behind(make_app, empty_database_url):
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        client = app.test_client()
        ready = client.get("/readyz")
        head = ready.json["migrations"]["head"]
        downgrade(revision="-1")
        behind = client.get("/readyz")
        downgrade(revision="base")
        db.engine.dispose()

    assert ready.status_code == 200
    assert ready.json == {"status": "ok", "database": "ok",
                          "migrations": {"current": head, "head": head}}
    assert behind.status_code == 503
    assert behind.json["message"] == NOT_MIGRATED
    assert behind.json["migrations"]["head"] == head
    assert behind.json["migrations"]["current"] not in ([], head)
