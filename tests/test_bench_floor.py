"""The benchmark's floor (b) (bench/floor_b.py) answers every warehouse route as wms does, on a
small bulk store, so that `make bench` compares wms with an app that does the same work.
In-process, no server: a few seconds."""
import importlib.util
import json
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

BENCH = Path(__file__).resolve().parent.parent / "bench"
PLACEMENTS = 2000


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def floor(database_url, key_pair, tmp_path, monkeypatch):
    url = sa.make_url(database_url)
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        pytest.skip("floor (b) speaks SQLite and PostgreSQL")
    public_key = tmp_path / "public.pem"
    public_key.write_text(key_pair[1])
    dsn = url.set(drivername=url.get_backend_name()).render_as_string(hide_password=False)
    monkeypatch.setenv("FLOOR_DSN", dsn)
    monkeypatch.setenv("FLOOR_PUBLIC_KEY", str(public_key))
    module = load("bench_floor_b", BENCH / "floor_b.py")
    yield module
    if module.db.connection is not None:
        module.db.connection.close()


@pytest.fixture
def bench():
    module = load("bench_run", BENCH / "run.py")
    yield module
    sys.modules.pop("bench_run", None)


def test_floor_b_answers_every_route_as_wms(app, runner, floor, bench, auth):
    built = runner.invoke(args=["wms", "demo", "--locations", "400", "--placements",
                                str(PLACEMENTS), "--json"])
    assert built.exit_code == 0, built.output
    store = bench.Store(app, PLACEMENTS, seed=1)
    wms, raw = app.test_client(), Client(floor.app)

    for route in bench.build_routes():
        if route.read:
            for query in route.queries(store):
                url = bench.url_of(route, query)
                ours, theirs = wms.get(url, headers=auth), raw.get(url, headers=auth)
                assert (ours.status_code, ours.json) == (theirs.status_code,
                                                         json.loads(theirs.data)), url
                assert ours.status_code == 200, url
        else:
            answers = []
            for client in (wms, raw):
                [(query, body)] = route.writes(store, 1)
                response = client.open(bench.url_of(route, query), method=route.method,
                                       json=body, headers=auth)
                answers.append((response.status_code, bench.shape(json.loads(response.data))))
            assert answers[0] == answers[1], route.name
            assert answers[0][0] < 400, route.name


def test_floor_b_refuses_what_wms_refuses(app, floor, auth):
    raw = Client(floor.app)

    assert raw.get("/api/v1/warehouses/getall").status_code == 401
    assert raw.get("/api/v1/warehouses/getall",
                   headers={"Authorization": auth["Authorization"][:-4] + "AAAA"}
                   ).status_code == 401
    assert raw.get("/api/v1/warehouselocations/getracks?warehouse_id=x",
                   headers=auth).status_code == 400
