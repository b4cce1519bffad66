"""`flask wms import-legacy`: a legacy Laravel database (tests/legacy_schema.py, a SQLite file;
and once a MariaDB scratch database) copied into wms's database, whichever the run's is."""
import json
import os

import pytest
import sqlalchemy as sa

from wms import create_app
from wms.extensions import db
from wms.models import (Movement, Placement, Product, Store, User, Variation, Warehouse,
                        WarehouseLocation)
from wms.security import check_password, check_secret, is_legacy_hash
from wms.services import Actor, inventory, ledger, legacy_import
from wms.services.clients import create_client

from tests.legacy_schema import (PASSWORD, PRODUCTS, SKU_BASE, build_legacy, laravel_hash)
from tests.scratch import scratch_database

BASE = "/api/v1"
APP_SECRET = "the-secret-built-into-the-2019-app-x1"
MARIADB_SERVER = "mysql+pymysql://root@127.0.0.1:3306/test"


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """(URL, what the import should make of it) of the legacy database in a SQLite file,
    built once: the import only reads it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('legacy') / 'legacy.db'}"
    return url, build_legacy(url)


@pytest.fixture
def imported(app, runner, source):
    """The legacy database imported once, through the command; its JSON report."""
    result = runner.invoke(args=["wms", "import-legacy", "--from", source[0], "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _counts(report):
    return ({table: counts["copied"] for table, counts in report["tables"].items()},
            {table: counts["skipped"] for table, counts in report["tables"].items()
             if counts["skipped"]})


def _state():
    """Every row the import writes, to compare two moments."""
    tables = (Store, Warehouse, WarehouseLocation, Product, Variation, User, Placement, Movement)
    return {model.__tablename__: db.session.execute(
        sa.select(model.__table__).order_by(*model.__table__.primary_key.columns)).all()
        for model in tables}


def test_copies_every_table_and_reports_every_skip(imported, source):
    _url, legacy = source
    copied, skipped = _counts(imported)
    assert copied == {**legacy.copied, "model_has_roles": 4, "roles": 1}
    assert imported["tables"]["roles"]["unchanged"] == 2    # admin and user are wms's own
    assert skipped == legacy.skipped
    assert imported["missing_tables"] == []
    by_reason = {}
    for row in imported["skipped"]:     # the first of each
        by_reason.setdefault((row["table"], row["reason"]), row)
    assert by_reason["warehouse_locations", "orphaned_location"]["detail"] == (
        "warehouse_id 4 does not exist")
    assert by_reason["warehouse_locations", "duplicate_code"] == {
        "table": "warehouse_locations", "id": 1201, "reason": "duplicate_code",
        "detail": "R1-A1-N1 is location 1's code in warehouse 1"}
    assert by_reason["location_variations", "unknown_variation"]["detail"] == (
        "variation_id 99000 does not exist")
    assert by_reason["location_variations", "location_skipped"]["detail"] == (
        "warehouselocation_id 1001 was skipped (orphaned_location)")
    assert len(imported["skipped"]) == sum(sum(r.values()) for r in legacy.skipped.values())
    adjusted = {table: counts["adjusted"] for table, counts in imported["tables"].items()
                if counts["adjusted"]}
    assert adjusted == {"products": {"duplicate_internal_reference": 1},
                        "variations": {"unknown_color": 12},
                        "location_variations": {"unknown_user": 1, "moved_to_kept_location": 4}}


def test_ids_and_codes_are_kept(app, imported, source):
    _url, legacy = source
    with app.app_context():
        codes = dict(db.session.execute(
            sa.select(WarehouseLocation.id, WarehouseLocation.mapped_string)).all())
        placed = {p.id: (p.variation_id, p.warehouselocation_id)
                  for p in db.session.scalars(sa.select(Placement))}
        warehouse = db.session.get(Warehouse, 1)
        padded = db.session.get(Variation, 5)
        twice = db.session.get(Product, PRODUCTS)
        mismatched = db.session.scalar(sa.select(sa.func.count(Placement.id)).join(
            WarehouseLocation, WarehouseLocation.id == Placement.warehouselocation_id).where(
            WarehouseLocation.warehouse_id != Placement.warehouse_id))
        assert (warehouse.name, warehouse.store_id) == ("Bodega1", 30)
        assert padded.sku == str(SKU_BASE + 5)
        assert twice.internal_reference is None
        assert db.session.get(Product, 1).internal_reference == "ST00001"
    assert codes == legacy.codes
    assert codes[401] == "R5-A1-N1"          # stored as R05-A01-N01
    assert placed == legacy.placements
    assert mismatched == 0


def test_the_ledger_starts_complete(app, runner, imported):
    with app.app_context():
        kinds = db.session.execute(sa.select(Movement.kind, sa.func.count())
                                   .group_by(Movement.kind)).all()
        assert kinds == [("import", imported["tables"]["location_variations"]["copied"])]
        assert ledger.verify() == ([], [])
    result = runner.invoke(args=["wms", "verify-ledger", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["ok"] is True


def test_new_rows_get_ids_past_the_kept_ones(app, imported):
    with app.app_context():
        store = Store(name="Tienda nueva")
        db.session.add(store)
        db.session.commit()
        assert store.id > 31
        located = inventory.locate(warehouse_id=1, sku=str(SKU_BASE + 3), mapped_string="R2-A1-N1",
                                   actor=Actor(user_id=None, client_id=None))
        assert located.placement.id > max(db.session.scalars(
            sa.select(Placement.id).where(Placement.id != located.placement.id)))


def test_running_it_again_changes_nothing(app, runner, imported, source):
    with app.app_context():
        before = _state()
    again = runner.invoke(args=["wms", "import-legacy", "--from", source[0], "--json",
                                "--batch-size", "300"])
    assert again.exit_code == 0, again.output
    report = json.loads(again.stdout)
    with app.app_context():
        assert _state() == before
    for table, counts in report["tables"].items():
        first = imported["tables"][table]
        assert counts["copied"] == 0, table
        assert counts["skipped"] == first["skipped"], table
        if table not in ("roles", "model_has_roles"):
            assert counts["unchanged"] == first["copied"], table


def test_an_interrupted_run_is_completed_by_the_next(app, source, monkeypatch):
    """One transaction per batch: a failure keeps the batches before it, and the next run
    copies the rest (and writes no movement twice)."""
    url, legacy = source
    sync = legacy_import.sync_id_sequences
    batches = []

    def failing(model):
        """The end of each batch: the third batch of placements fails."""
        batches.append(model)
        if batches.count(Placement) == 3:
            raise sa.exc.OperationalError("INSERT", {}, Exception("connection lost"))
        sync(model)

    monkeypatch.setattr(legacy_import, "sync_id_sequences", failing)
    with app.app_context():
        with pytest.raises(sa.exc.OperationalError):
            legacy_import.import_legacy(url, batch_size=500)
        assert db.session.scalar(sa.select(sa.func.count(Placement.id))) == 1000
        assert db.session.scalar(sa.select(sa.func.count(Movement.id))) == 1000
        monkeypatch.setattr(legacy_import, "sync_id_sequences", sync)
        report = legacy_import.import_legacy(url, batch_size=500)
        placements = report["tables"]["location_variations"]
        assert (placements["copied"], placements["unchanged"]) == (
            legacy.copied["location_variations"] - 1000, 1000)
        assert ledger.verify() == ([], [])
        assert db.session.scalar(sa.select(sa.func.count(Movement.id))) == len(legacy.placements)


def test_a_placement_removed_since_is_not_placed_again(app, imported, source):
    url, legacy = source
    placement_id, (variation_id, location_id) = next(iter(legacy.placements.items()))
    with app.app_context():
        sku = db.session.get(Variation, variation_id).sku
        inventory.remove(code=sku, location_id=location_id,
                         actor=Actor(user_id=None, client_id=None))
        movements = db.session.scalar(sa.select(sa.func.count(Movement.id)))
        report = legacy_import.import_legacy(url)
        assert db.session.scalar(sa.select(Placement.id).where(
            Placement.variation_id == variation_id,
            Placement.warehouselocation_id == location_id)) is None
        assert db.session.scalar(sa.select(sa.func.count(Movement.id))) == movements
        assert ledger.verify() == ([], [])
    # It, and the legacy duplicates of it that met it before.
    skipped = [row["id"] for row in report["skipped"] if row["reason"] == "imported_before"]
    assert placement_id in skipped
    assert report["tables"]["location_variations"]["copied"] == 0


def test_a_row_changed_in_wms_is_kept(app, imported, source):
    with app.app_context():
        db.session.get(Warehouse, 2).name = "Bodega renombrada"
        db.session.commit()
        report = legacy_import.import_legacy(source[0])
        assert db.session.get(Warehouse, 2).name == "Bodega renombrada"
    assert report["tables"]["warehouses"]["skipped"] == {"unknown_store": 1,
                                                         "changed_in_wms": 1}


@pytest.fixture
def legacy_client(config_class, app):
    class Config(config_class):
        CLIENT_SHAPES = "clients-2019"

    return create_app(Config).test_client()


@pytest.fixture
def scanner_app(app):
    """The 2019 scanner app's password client, id 2."""
    with app.app_context():
        create_client(name="Scanner app", password=True, client_id=2, secret=APP_SECRET)


def _password_grant(client, email, password):
    return client.post("/oauth/token", headers={"Accept": "application/json"}, json={
        "grant_type": "password", "client_id": "2", "client_secret": APP_SECRET,
        "username": email, "password": password})


def _hash_of(app, email):
    with app.app_context():
        return db.session.scalar(sa.select(User.password).where(User.email == email))


def test_the_clients_read_the_imported_data(app, imported, source, legacy_client,
                                            scanner_app):
    """The scanner app signs in as a legacy user and reads its profile; the web UI's
    warehouse picker (store 30), rack map and location screens read the imported rows."""
    _url, legacy = source
    token = _password_grant(legacy_client, "super@tienda.example", PASSWORD).json
    headers = {"Authorization": f"{token['token_type']} {token['access_token']}"}
    profile = legacy_client.get(f"{BASE}/user/getprofile", headers=headers).json
    assert profile["id"] == legacy.users["super@tienda.example"][0]
    assert [role["name"] for role in profile["roles"]] == ["Supervisor"]
    picker = legacy_client.get(f"{BASE}/warehouses/getall?store_id=30", headers=headers).json
    assert [w["id"] for w in picker["data"]] == [1, 2]
    blocks = legacy_client.get(f"{BASE}/warehouselocations/getblocks?warehouse_id=1&rack=1",
                               headers=headers).json
    product_of = {v: (v - 1) // 4 + 1 for v, _loc in legacy.placements.values()}
    in_rack = {b["id"]: b["items_count"] for b in blocks}
    assert in_rack[1] == sum(1 for v, loc in legacy.placements.values()
                             if loc == 1 and product_of[v] <= 290) > 0
    padded = legacy_client.get(f"{BASE}/locationvariation/getitemsinlocation?warehouse_id=1"
                               "&mapped_string=R5-A1-N1", headers=headers)
    assert padded.status_code == 200 and padded.json["warehouselocation_id"] == 401
    located = legacy_client.post(f"{BASE}/locationvariation/locateitemscan", headers=headers,
                                 json={"warehouse_id": 1, "mapped_string": "R1-B1-N1",
                                       "sku": str(SKU_BASE + 7), "withSiblings": False})
    assert located.status_code == 200, located.json


def test_laravel_hashes_sign_in_and_are_replaced(app, client, imported, scanner_app):
    email = "picker@tienda.example"
    assert _hash_of(app, email).startswith("$2y$")
    assert _password_grant(client, email, "not the password").status_code == 401
    assert _hash_of(app, email).startswith("$2y$")
    assert _password_grant(client, email, PASSWORD).status_code == 200
    rehashed = _hash_of(app, email)
    assert not is_legacy_hash(rehashed) and check_secret(rehashed, PASSWORD)
    assert _password_grant(client, email, PASSWORD).status_code == 200
    assert _hash_of(app, email) == rehashed


def test_the_web_uis_sign_in_replaces_them_too(app, client, imported, auth):
    """W19: the web UI checks a password with its static (client) token."""
    email = "admin@tienda.example"
    wrong = client.post(f"{BASE}/user/authenticate", headers=auth,
                        json={"email": email, "password": "nope!!"})
    assert wrong.status_code == 404 and is_legacy_hash(_hash_of(app, email))
    answer = client.post(f"{BASE}/user/authenticate", headers=auth,
                         json={"email": email, "password": PASSWORD})
    assert answer.status_code == 200 and answer.json["user"][0]["id"] == 1
    assert not is_legacy_hash(_hash_of(app, email))
    with app.app_context():
        admin = db.session.get(User, 1)
        assert admin.is_admin and [role.name for role in admin.roles] == ["admin"]
        assert [role.name for role in db.session.get(User, 4).roles] == ["user"]


def test_bcrypt_hashes_are_checked_as_laravel_did():
    long_password = "x" * 80
    hashed = laravel_hash(long_password)
    assert check_password(hashed, long_password)
    assert check_password(hashed, "x" * 72 + "ignored")   # bcrypt reads 72 bytes
    assert not check_password(hashed, "x" * 71)
    assert not check_password("$2y$10$damaged", "anything")


def test_the_text_report(app, runner, source):
    result = runner.invoke(args=["wms", "import-legacy", "--from", source[0]])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"Imported from {source[0]} in ")
    assert ("  warehouses: 3 copied, 0 unchanged, 1 skipped (unknown_store 1)") in lines
    assert "skipped warehouses 5: unknown_store (store_id 99 does not exist)" in lines
    assert lines[-1].startswith("... and ") and lines[-1].endswith("(--json lists them all)")


def test_the_source_comes_from_legacy_database_url_or_from(app, make_app, tmp_path, source):
    other = make_app(LEGACY_DATABASE_URL=source[0]).test_cli_runner()
    assert json.loads(other.invoke(args=["wms", "import-legacy", "--json"]).stdout)[
        "tables"]["stores"]["copied"] == 2
    runner = make_app().test_cli_runner()
    missing = runner.invoke(args=["wms", "import-legacy"])
    assert missing.exit_code == 2 and "--from URL" in missing.output
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")   # an empty SQLite database
    refused = runner.invoke(args=["wms", "import-legacy", "--from", str(empty)])
    assert refused.exit_code == 1 and "none of the legacy tables" in refused.output
    no_file = runner.invoke(args=["wms", "import-legacy", "--from", str(tmp_path / "nope")])
    assert no_file.exit_code == 2 and "neither a URL nor a file" in no_file.output


def _mariadb_server():
    url = os.environ.get("WMS_TEST_DATABASE_URL", "")
    return url if url.startswith(("mysql", "mariadb")) else MARIADB_SERVER


def test_a_mariadb_source(app, source):
    """The legacy service ran on MySQL/MariaDB: the same rows, read from there."""
    server = _mariadb_server()
    engine = sa.create_engine(server)
    try:
        engine.connect().close()
    except sa.exc.OperationalError as e:
        pytest.skip(f"no MariaDB server at {server}: {e.orig}")
    finally:
        engine.dispose()
    with scratch_database(server) as url:
        legacy = build_legacy(url)
        with app.app_context():
            report = legacy_import.import_legacy(url, batch_size=700)
            assert ledger.verify() == ([], [])
            placed = {p.id: (p.variation_id, p.warehouselocation_id)
                      for p in db.session.scalars(sa.select(Placement))}
    copied, skipped = _counts(report)
    assert copied == {**legacy.copied, "model_has_roles": 4, "roles": 1}
    assert skipped == legacy.skipped
    assert placed == legacy.placements
