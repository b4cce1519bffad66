"""`flask wms demo --locations N --placements N`: the bulk store the benchmark runs on."""
import json
from collections import Counter

import pytest
import sqlalchemy as sa

from wms.extensions import db
from wms.models import (Image, Movement, Placement, Product, Variation, Warehouse,
                        WarehouseLocation)
from wms.models.warehouse import location_code
from wms.services import Actor
from wms.services.bulk_demo import SKU_BASE, warehouse_sizes
from wms.services.inventory import locate

from tests.test_concurrency import replay

LOCATIONS, PLACEMENTS, VARIATIONS = 450, 2000, 700


def build(runner, *extra):
    args = ["wms", "demo", "--locations", str(LOCATIONS), "--placements", str(PLACEMENTS)]
    return runner.invoke(args=[*args, *extra, "--json"])


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_builds_the_store_it_says_and_the_ledger_replays_to_its_placements(app, runner, ctx):
    result = build(runner, "--variations", str(VARIATIONS))

    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["seconds"] >= 0
    products = -(-VARIATIONS // 4)
    assert {k: out[k] for k in ("locations", "placements", "variations", "products", "images",
                                "movements")} == {
        "locations": LOCATIONS, "placements": PLACEMENTS, "variations": VARIATIONS,
        "products": products, "images": 3 * products, "movements": PLACEMENTS}
    assert (count(WarehouseLocation), count(Placement), count(Variation), count(Product),
            count(Image)) == (LOCATIONS, PLACEMENTS, VARIATIONS, products, 3 * products)
    assert db.session.get(Warehouse, 1).name == "Bodega1"

    placements = set(db.session.execute(
        sa.select(Placement.variation_id, Placement.warehouselocation_id)).all())
    ledger = db.session.execute(
        sa.select(Movement.kind, Movement.variation_id, Movement.from_location_id,
                  Movement.to_location_id).order_by(Movement.id)).all()
    assert len(placements) == PLACEMENTS
    assert replay(set(), ledger) == placements


def test_locations_are_coded_and_spread_over_the_warehouses(app, runner, ctx):
    assert build(runner).exit_code == 0

    rows = db.session.execute(sa.select(
        WarehouseLocation.warehouse_id, WarehouseLocation.rack, WarehouseLocation.block,
        WarehouseLocation.level, WarehouseLocation.side, WarehouseLocation.mapped_string)).all()
    assert all(code == location_code(rack, block, level, side)
               for _w, rack, block, level, side, code in rows)
    assert len({(w, code) for w, *_p, code in rows}) == LOCATIONS
    assert Counter(w for w, *_rest in rows) == {
        w: n for w, n in warehouse_sizes(LOCATIONS).items() if n}
    # Warehouse 1 holds its share of the placements, as the large store's 100,000.
    in_first = db.session.scalar(
        sa.select(sa.func.count(Placement.id)).join(Placement.warehouselocation)
        .where(WarehouseLocation.warehouse_id == 1))
    assert in_first == PLACEMENTS // 10
    # Every variation has its product, and the products have images.
    assert db.session.scalar(sa.select(sa.func.count(sa.distinct(Image.product_id)))) \
        == count(Product)


def test_ids_continue_after_the_bulk_rows(app, runner, ctx):
    """PostgreSQL's sequences are moved past the explicit ids: the app's next writes work."""
    assert build(runner).exit_code == 0
    sku = str(SKU_BASE + 1)
    empty = db.session.scalar(
        sa.select(WarehouseLocation.mapped_string).where(WarehouseLocation.warehouse_id == 1)
        .where(~WarehouseLocation.id.in_(
            sa.select(Placement.warehouselocation_id)
            .join(Variation).where(Variation.sku == sku))).limit(1))

    placement = locate(warehouse_id=1, sku=sku, mapped_string=empty,
                       actor=Actor(user_id=None, client_id=None)).placement

    # MariaDB may leave a gap after a multi-row insert (innodb_autoinc_lock_mode=2): what
    # matters is that the new rows come after every bulk row and nothing collides.
    assert placement.id > PLACEMENTS
    assert count(Placement) == PLACEMENTS + 1
    newest = db.session.scalar(sa.select(Movement).order_by(Movement.id.desc()).limit(1))
    assert (newest.kind, newest.variation_id, newest.to_location_id) == (
        "locate", placement.variation_id, placement.warehouselocation_id)
    assert count(Movement) == PLACEMENTS + 1


@pytest.mark.parametrize("args, message", [
    (["--locations", "10", "--placements", "100", "--variations", "5"], "at least"),
    (["--locations", "10"], "go together"),
    (["--placements", "10"], "go together"),
])
def test_impossible_or_half_given_sizes_are_refused(app, runner, args, message):
    result = runner.invoke(args=["wms", "demo", *args])

    assert result.exit_code != 0
    assert message in result.output


def test_refuses_a_database_with_warehouses(app, runner, demo, ctx):
    result = build(runner)

    assert result.exit_code != 0
    assert "ya tiene bodegas" in result.output
    assert count(Warehouse) == 1
