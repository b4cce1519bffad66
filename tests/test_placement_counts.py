"""Each warehouse's placement count (placement_counts, kept by triggers on the placements'
table) stays exact through every kind of write, bulk loads and the migration that made it, and
the lists read their totals from it."""
import json

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from wms.extensions import db
from wms.models import Movement, Placement, PlacementCount
from wms.services.bulk_demo import build_store
from wms.services.inventory import locate, move, remove, undo
from wms.services.ledger import miscounted

from tests.test_inventory_service import FREE_SKU, PLACED_SKU, at
from tests.test_placement_warehouse import actor, second_warehouse  # noqa: F401  (fixtures)

BASE = "/api/v1/locationvariation"


def counted():
    """{warehouse id: count} as placement_counts says."""
    return {warehouse: int(n) for warehouse, n in db.session.execute(
        sa.select(PlacementCount.warehouse_id, sa.func.sum(PlacementCount.placements))
        .group_by(PlacementCount.warehouse_id)).all() if n}


def actual():
    return dict(db.session.execute(
        sa.select(Placement.warehouse_id, sa.func.count(Placement.id))
        .group_by(Placement.warehouse_id)).all())


def test_every_kind_of_write_keeps_the_counts_exact(actor, second_warehouse):  # noqa: F811
    warehouse_id, code = second_warehouse
    assert counted() == actual() == {1: 63}

    locate(warehouse_id=warehouse_id, mapped_string=code, sku=FREE_SKU, actor=actor)
    move(sku=PLACED_SKU, source=at("R4-A2-N4"),
         target={"warehouse_id": warehouse_id, "code": code}, actor=actor)
    db.session.expire_all()
    assert counted() == actual() == {1: 62, warehouse_id: 2}

    last_move = db.session.scalar(sa.select(Movement).order_by(Movement.id.desc()).limit(1))
    undo(movement_id=last_move.id, actor=actor)
    remove(code=FREE_SKU, actor=actor, warehouse_id=warehouse_id, mapped_string=code)
    db.session.expire_all()
    assert counted() == actual() == {1: 63}
    assert miscounted() == []


def test_a_failed_write_leaves_the_count_as_it_was(ctx, demo):
    before = counted()
    with pytest.raises(sa.exc.IntegrityError):
        # The demo's first placement again: the unique (location, variation) refuses it.
        first = db.session.scalar(sa.select(Placement).order_by(Placement.id).limit(1))
        db.session.execute(sa.insert(Placement).values(
            variation_id=first.variation_id, warehouselocation_id=first.warehouselocation_id,
            warehouse_id=first.warehouse_id))
    db.session.rollback()
    assert counted() == before == actual()


def test_bulk_loads_are_counted(ctx):
    build_store(locations=60, placements=500, variations=200)
    assert counted() == actual()
    assert sum(counted().values()) == 500


def test_lists_take_their_totals_from_the_counts(client, demo, auth, count_queries):
    def total(query):
        response = client.get(f"{BASE}/getall{query}", headers=auth)
        assert response.status_code == 200, response.json
        return response.json["total"]

    assert total("") == total("?warehouse_id=1") == 63
    assert total("?warehouse_id=2") == 0
    with count_queries() as statements:
        total("?warehouse_id=1&per_page=1")
    counts = [s for s in statements if "count(" in s.lower()]
    assert counts == [] and any("placement_counts" in s for s in statements)


def test_verify_ledger_finds_a_wrong_count(app, demo, runner):
    with app.app_context():
        db.session.execute(sa.update(PlacementCount).where(PlacementCount.slot == 1)
                           .values(placements=PlacementCount.placements + 5))
        db.session.commit()
    result = runner.invoke(args=["wms", "verify-ledger", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["miscounted"] == [[1, 68, 63]]


def test_the_migration_counts_the_placements_there_are(make_app, empty_database_url):
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade(revision="0009")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO stores (id, name) VALUES (1, 'Centro')"))
            conn.execute(sa.text("INSERT INTO warehouses (id, name, store_id) VALUES "
                                 "(1, 'Uno', 1), (2, 'Dos', 1)"))
            conn.execute(sa.text(
                "INSERT INTO warehouse_locations (id, warehouse_id, rack, block, level, side, "
                "mapped_string, active) VALUES (1, 1, 1, 1, 1, 1, 'R1-A1-N1', :t), "
                "(2, 2, 1, 1, 1, 1, 'R1-A1-N1', :t)"), {"t": True})
            conn.execute(sa.text("INSERT INTO products (id, name) VALUES (1, 'Camisa')"))
            conn.execute(sa.text("INSERT INTO variations (id, product_id, sku, name) VALUES "
                                 + ", ".join(f"({i}, 1, 'S{i}', '')" for i in range(1, 21))))
            conn.execute(sa.text(
                "INSERT INTO location_variations (variation_id, warehouselocation_id, "
                "warehouse_id) VALUES " + ", ".join(
                    f"({i}, {1 + i % 2}, {1 + i % 2})" for i in range(1, 21))))
        upgrade()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM location_variations WHERE variation_id <= 4"))
            conn.execute(sa.text(
                "UPDATE location_variations SET warehouselocation_id = 2, warehouse_id = 2 "
                "WHERE variation_id = 6"))
            sums = dict(conn.execute(sa.text(
                "SELECT warehouse_id, SUM(placements) FROM placement_counts "
                "GROUP BY warehouse_id")).all())
        assert {w: int(n) for w, n in sums.items()} == {1: 7, 2: 9}
        downgrade(revision="0009")
        downgrade(revision="base")
        db.engine.dispose()
