"""The movements ledger accounts for every placement: replaying it from an empty database gives
exactly the placements, after the demo data and after every kind of write, and nothing but the
inventory service writes placements."""
import ast
import json
import re
from pathlib import Path

import sqlalchemy as sa

from wms.extensions import db
from wms.models import Placement
from wms.services.ledger import replay, verify

from tests.test_remove_and_where import PLACED_AT, PLACED_SKU

ROOT = Path(__file__).resolve().parent.parent
BASE = "/api/v1/locationvariation"
# SQL that writes the placements table (a trigger ON it writes another table).
WRITES_PLACEMENTS = re.compile(r"\b(insert\s+into|update|delete\s+from)\s+location_variations\b",
                               re.IGNORECASE)
# The one module that may write the placements table.
WRITER = ROOT / "wms" / "services" / "inventory.py"


def test_replay_follows_each_movement():
    movements = [(1, None, 10), (2, None, 10), (1, 10, 11), (2, 10, None), (1, None, 11),
                 (3, None, 12), (3, 12, None), (3, None, 12)]
    assert replay(movements) == {(1, 11), (3, 12)}
    assert replay([(1, 11, 12)], start={(1, 11), (2, 11)}) == {(1, 12), (2, 11)}


def test_the_demo_data_replays_to_its_placements(app, demo, runner):
    with app.app_context():
        assert verify() == ([], [])
    result = runner.invoke(args=["wms", "verify-ledger", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"ok": True, "missing": [], "extra": [],
                                         "miscounted": []}


def test_every_write_keeps_the_ledger_whole(app, client, demo, auth, runner, tmp_path):
    def post(route, **body):
        response = client.post(f"{BASE}/{route}", json=body, headers=auth)
        assert response.status_code == 200, (route, response.json)
        return response.json

    def last_movement():
        return client.get(f"{BASE}/history?per_page=1", headers=auth).json["data"][0]["id"]

    post("locateitemscan", warehouse_id=1, sku="2000011", mapped_string="R2-A1-N1")
    post("locateitemweb", warehouse_id=1, sku="2000012", mapped_string="R2-A1-N1")
    post("moveitemscan", warehouse_id_from=1, mapped_string_from=PLACED_AT, warehouse_id_to=1,
         mapped_string_to="R2-A1-N1", sku=PLACED_SKU)
    post("locateitemscan", warehouse_id=1, sku=PLACED_SKU, mapped_string="R2-A1-N2")
    post("moveitemweb", warehouse_id_from=1, mapped_string_from="R2-A1-N1", warehouse_id_to=1,
         mapped_string_to="R2-A1-N2", sku=PLACED_SKU)  # merges
    post("undo", movement_id=last_movement())
    post("removeitemfromlocation", warehouse_id=1, sku="2000011", mapped_string="R2-A1-N1",
         withSiblings=True)
    post("undo", movement_id=last_movement())
    post("batch", scans=[{"scan_id": "1", "action": "remove", "warehouse_id": 1,
                          "sku": PLACED_SKU, "mapped_string": "R2-A1-N2"}])
    assert client.post("/api/v1/warehouselocations/maplocations", headers=auth, json={
        "warehouse_id": 1, "blocks": 2, "levels": 2, "sides": 1}).status_code == 201
    assert client.post("/api/v1/warehouses/store", headers=auth, json={
        "name": "Norte", "store_id": 1}).status_code == 201
    catalog = tmp_path / "catalog.csv"
    catalog.write_text("product_id,product_name,variation_id,sku,variation_name,images\n"
                       "4410,Pantalon,20110,1861705,MED,a.jpg\n")
    assert runner.invoke(args=["wms", "import-catalog", str(catalog)]).exit_code == 0

    with app.app_context():
        assert verify() == ([], [])


def test_a_placement_written_behind_the_ledgers_back_is_found(app, demo, runner):
    with app.app_context():
        db.session.execute(sa.delete(Placement).where(Placement.variation_id == 20110))
        db.session.execute(sa.insert(Placement).values(variation_id=40011,
                                                       warehouselocation_id=1, warehouse_id=1))
        db.session.commit()
        missing, extra = verify()
    assert len(missing) == 1 and missing[0][0] == 20110
    assert extra == [(40011, 1)]
    result = runner.invoke(args=["wms", "verify-ledger"])
    assert result.exit_code == 1
    assert "1 placement(s) the ledger does not account for" in result.output


def _writes_placements(tree):
    """The lines where a module constructs Placement rows or runs insert/update/delete
    statements on Placement or on the location_variations table."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            # insert(Placement), insert(Placement.__table__), insert(models.Placement)
            args = [getattr(arg, "id", None) or getattr(getattr(arg, "value", None), "id", None)
                    or getattr(arg, "attr", None) for arg in node.args]
            if name == "Placement" or (name in ("insert", "update", "delete")
                                       and "Placement" in args):
                lines.append(node.lineno)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if WRITES_PLACEMENTS.search(node.value):
                lines.append(node.lineno)
    return lines


def test_nothing_but_the_inventory_service_writes_placements():
    offenders = {}
    for path in sorted((ROOT / "wms").rglob("*.py")):
        if path == WRITER:
            continue
        lines = _writes_placements(ast.parse(path.read_text(), str(path)))
        if lines:
            offenders[str(path.relative_to(ROOT))] = lines
    assert offenders == {}
    assert _writes_placements(ast.parse(WRITER.read_text()))  # the check sees the writer's
