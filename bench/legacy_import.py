"""How long `flask wms import-legacy` takes for a store of 100,000 placements.

    .venv/bin/python bench/legacy_import.py                       # into SQLite
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/legacy_import.py                   # into PostgreSQL

Builds a legacy database (tests/legacy_schema.py's tables, a SQLite file kept in bench/data/)
with PLACEMENTS placements and proportionate rows, as the bulk demo store has them: 4 placements
per location, 2 variations per location, 4 variations per product, one image per product, a
tenth of the racks with zero-padded codes. Then, into a new wms database (a SQLite file in
bench/data/, or the schema `wms_bench_legacy` on DATABASE_URL's PostgreSQL, made again each
run) migrated with `flask db upgrade`, it runs the command twice, as an operator would: the
import, then the re-run that finds everything there; and `flask wms verify-ledger`. It prints
the wall-clock times (the command's own `seconds`) and the machine's load average.
"""
import argparse
import json
import os
import platform
import secrets
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"
PG_SCHEMA = "wms_bench_legacy"
sys.path.insert(0, str(ROOT))

from tests.legacy_schema import laravel_hash, metadata  # noqa: E402

CREATED = datetime(2019, 9, 2, 22, 14, 56)
PER_LOCATION, VARIATIONS_PER_LOCATION, SIZES, RACK = 4, 2, 4, 200
WAREHOUSES = 4


def _rows(placements):
    locations = max(1, placements // PER_LOCATION)
    variations = locations * VARIATIONS_PER_LOCATION
    products = -(-variations // SIZES)
    stamp = {"created_at": CREATED, "updated_at": CREATED}
    per_warehouse = -(-locations // WAREHOUSES)
    location_rows = []
    for i in range(locations):
        warehouse, n = i // per_warehouse + 1, i % per_warehouse
        rack, block, level, side = n // RACK + 1, n % RACK // 10 + 1, n % 10 // 2 + 1, n % 2 + 1
        code = (f"R{rack:02d}-{'AB'[side - 1]}{block:02d}-N{level:02d}" if rack % 10 == 0
                else f"R{rack}-{'AB'[side - 1]}{block}-N{level}")
        location_rows.append({"id": i + 1, "warehouse_id": warehouse, "rack_id": rack,
                              "rack": rack, "block": block, "level": level, "side": side,
                              "mapped_string": code, "active": True, **stamp})
    hashed = laravel_hash("secreto 2019")
    return {
        "stores": [{"id": 30, "name": "Tienda centro", "number": "0030", **stamp}],
        "warehouses": [{"id": w, "name": f"Bodega{w}", "store_id": 30, **stamp}
                       for w in range(1, WAREHOUSES + 1)],
        "warehouse_locations": location_rows,
        "categories": [{"id": 1, "name": "Damas", "depends_id": 0, "active": True}],
        "products": [{"id": p, "name": f"Producto {p}", "internal_reference": f"ST{p:06d}",
                      "provider": "Proveedor", "activation_disabled": False, **stamp}
                     for p in range(1, products + 1)],
        "category_product": [{"category_id": 1, "product_id": p}
                             for p in range(1, products + 1)],
        "images": [{"id": p, "product_id": p, "file": f"p{p}.jpg", "order": 1, **stamp}
                   for p in range(1, products + 1)],
        "variations": [{"id": v, "product_id": (v - 1) // SIZES + 1, "sku": str(3_000_000 + v),
                        "name": "MED", "stock": 1, "price": 399, "color_id": None, **stamp}
                       for v in range(1, variations + 1)],
        "location_variations": [
            {"id": j + 1, "warehouselocation_id": j * locations // placements + 1,
             "variation_id": j % variations + 1, "product_id": 0, "user_id": None, **stamp}
            for j in range(placements)],
        "users": [{"id": u, "name": f"Usuario {u}", "email": f"u{u}@tienda.example",
                   "password": hashed, **stamp} for u in range(1, 21)],
        "roles": [{"id": 1, "name": "admin", "guard_name": "api", **stamp}],
        "model_has_roles": [{"role_id": 1, "model_type": "App\\User", "model_id": 1}],
    }


def legacy_database(placements, log):
    """The legacy SQLite file of that many placements, built once."""
    path = DATA / f"legacy-{placements}.db"
    if path.exists():
        log(f"legacy database: {path.relative_to(ROOT)} (kept from an earlier run)")
        return path
    DATA.mkdir(exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    engine = sa.create_engine(f"sqlite:///{partial}")
    started = time.monotonic()
    try:
        metadata.create_all(engine)
        with engine.begin() as conn:
            for name, rows in _rows(placements).items():
                conn.execute(metadata.tables[name].insert(), rows)
    finally:
        engine.dispose()
    partial.rename(path)
    log(f"legacy database: built {path.relative_to(ROOT)} in {time.monotonic() - started:.1f} s")
    return path


def target_url():
    """(URL, name and version) of a new, empty wms database: a SQLite file, or a schema on
    DATABASE_URL's PostgreSQL."""
    server = os.environ.get("DATABASE_URL")
    if not server:
        path = DATA / "wms-legacy-import.db"
        for leftover in DATA.glob("wms-legacy-import.db*"):
            leftover.unlink()
        return f"sqlite:///{path}", f"SQLite {sqlite3.sqlite_version}"
    url = sa.make_url(server)
    if url.get_backend_name() != "postgresql":
        raise SystemExit("DATABASE_URL: this benchmark runs on SQLite or PostgreSQL")
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {PG_SCHEMA}"))
        version = conn.execute(sa.text("SHOW server_version")).scalar()
    admin.dispose()
    return url.update_query_dict({"options": f"-csearch_path={PG_SCHEMA}"}).render_as_string(
        hide_password=False), f"PostgreSQL {version}"


def flask(env, *args):
    done = subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "wsgi", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--placements", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    options = parser.parse_args()
    log = print
    source = legacy_database(options.placements, log)
    url, database = target_url()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secrets.token_urlsafe(48)}
    flask(env, "db", "upgrade")
    runs = []
    for _ in range(2):
        report = json.loads(flask(env, "wms", "import-legacy", "--from", str(source),
                                  "--batch-size", str(options.batch_size), "--json"))
        runs.append(report)
    verified = json.loads(flask(env, "wms", "verify-ledger", "--json"))["ok"]
    placements = runs[0]["tables"]["location_variations"]
    log(f"{database}, {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}, batch size {options.batch_size}")
    log(f"import: {placements['copied']} placements (and their movements), "
        f"{runs[0]['tables']['warehouse_locations']['copied']} locations, "
        f"{runs[0]['tables']['variations']['copied']} variations in {runs[0]['seconds']} s")
    log(f"re-run: {runs[1]['tables']['location_variations']['unchanged']} placements "
        f"unchanged, nothing written, in {runs[1]['seconds']} s")
    log(f"verify-ledger: {'ok' if verified else 'FAILED'}")
    if not verified or placements["copied"] != options.placements:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
