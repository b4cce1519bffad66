"""`flask wms import-catalog FILE.csv`: what it writes, that re-running it updates instead of
duplicating, and that a bad file is reported by line and writes nothing."""
import json
from datetime import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from wms.extensions import db
from wms.models import Image, Product, Variation
from wms.services import catalog

LONG_AGO = datetime(2020, 1, 1)
HEADER = "product_id,product_name,variation_id,sku,variation_name,images"

CATALOG = f"""{HEADER}
101,Camisa Oxford,1001,OX-CH,CH,oxford-1.jpg;oxford-2.jpg
101,Camisa Oxford,1002,OX-MED,MED,oxford-1.jpg;oxford-2.jpg
102,Pantalon chino,1003,CH-30,30,chino.jpg
"""


@pytest.fixture
def write_csv(tmp_path):
    def write(text, name="catalog.csv", encoding="utf-8"):
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return str(path)
    return write


@pytest.fixture
def run(runner, write_csv):
    def invoke(text, *options, encoding="utf-8"):
        path = write_csv(text, encoding=encoding)
        return runner.invoke(args=["wms", "import-catalog", path, *options])
    return invoke


def table_counts(app):
    with app.app_context():
        return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                     for model in (Product, Image, Variation))


def catalog_rows(app):
    """(products, images, variations) as comparable tuples, ids included."""
    with app.app_context():
        products = db.session.execute(sa.select(Product.id, Product.name)
                                      .order_by(Product.id)).all()
        images = db.session.execute(sa.select(Image.product_id, Image.file, Image.order)
                                    .order_by(Image.product_id, Image.order)).all()
        variations = db.session.execute(sa.select(
            Variation.id, Variation.product_id, Variation.sku, Variation.name)
            .order_by(Variation.id)).all()
        return [tuple(p) for p in products], [tuple(i) for i in images], \
            [tuple(v) for v in variations]


def test_import_creates_products_images_and_variations_with_their_ids(app, run):
    result = run(CATALOG, "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "rows": 3,
        "products": {"created": 2, "updated": 0, "unchanged": 0},
        "variations": {"created": 3, "updated": 0, "unchanged": 0},
        "images": {"created": 3, "updated": 0, "unchanged": 0},
    }
    products, images, variations = catalog_rows(app)
    assert products == [(101, "Camisa Oxford"), (102, "Pantalon chino")]
    assert images == [(101, "oxford-1.jpg", 1), (101, "oxford-2.jpg", 2), (102, "chino.jpg", 1)]
    assert variations == [(1001, 101, "OX-CH", "CH"), (1002, 101, "OX-MED", "MED"),
                          (1003, 102, "CH-30", "30")]
    with app.app_context():
        for model in (Product, Image, Variation):
            stamps = db.session.execute(sa.select(model.created_at, model.updated_at)).all()
            assert all(created and updated for created, updated in stamps)
        assert set(db.session.scalars(sa.select(Image.color_id))) == {0}


def test_text_output_sums_it_up(run):
    result = run(CATALOG)

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Imported 3 rows from catalog.csv: products 2 created, 0 updated, 0 unchanged; "
        "variations 3 created, 0 updated, 0 unchanged; images 3 created, 0 updated, "
        "0 unchanged.\n")


def test_running_it_again_updates_rows_instead_of_duplicating_them(app, run):
    assert run(CATALOG).exit_code == 0
    before = catalog_rows(app)

    again = run(CATALOG, "--json")

    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["variations"] == {"created": 0, "updated": 0, "unchanged": 3}
    assert catalog_rows(app) == before

    changed = run(f"""{HEADER}
101,Camisa Oxford manga larga,1001,OX-CH-2,Chico,oxford-2.jpg;oxford-3.jpg
102,Pantalon chino,1003,CH-30,30,chino.jpg
""", "--json")

    assert changed.exit_code == 0, changed.output
    assert json.loads(changed.stdout) == {
        "rows": 2,
        "products": {"created": 0, "updated": 1, "unchanged": 1},
        "variations": {"created": 0, "updated": 1, "unchanged": 1},
        "images": {"created": 1, "updated": 1, "unchanged": 1},
    }
    products, images, variations = catalog_rows(app)
    assert products == [(101, "Camisa Oxford manga larga"), (102, "Pantalon chino")]
    # Not mentioned: kept. Mentioned: ordered by the row's list.
    assert sorted(images) == [(101, "oxford-1.jpg", 1), (101, "oxford-2.jpg", 1),
                              (101, "oxford-3.jpg", 2), (102, "chino.jpg", 1)]
    assert variations == [(1001, 101, "OX-CH-2", "Chico"), (1002, 101, "OX-MED", "MED"),
                          (1003, 102, "CH-30", "30")]


def test_an_update_moves_updated_at_and_keeps_created_at(app, run):
    assert run(CATALOG).exit_code == 0
    with app.app_context():
        db.session.execute(sa.update(Variation).values(created_at=LONG_AGO, updated_at=LONG_AGO))
        db.session.commit()

    assert run(CATALOG.replace("1001,OX-CH,CH,", "1001,OX-CH,Chico,")).exit_code == 0

    with app.app_context():
        changed, unchanged = db.session.get(Variation, 1001), db.session.get(Variation, 1002)
        assert changed.created_at == LONG_AGO and changed.updated_at > LONG_AGO
        assert unchanged.updated_at == LONG_AGO   # not written at all


def test_rows_without_ids_match_by_name_and_sku(app, run):
    text = f"""{HEADER}
,Sudadera,,SUD-CH,CH,sudadera.jpg
,Sudadera,,SUD-MED,MED,
,Gorra,,GORRA-1,,gorra.jpg; gorra-2.jpg ;
"""
    first = run(text, "--json")

    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["products"]["created"] == 2
    products, images, variations = catalog_rows(app)
    (sudadera, _), (gorra, _) = products
    assert [name for _, name in products] == ["Sudadera", "Gorra"]
    assert images == [(sudadera, "sudadera.jpg", 1), (gorra, "gorra.jpg", 1),
                      (gorra, "gorra-2.jpg", 2)]
    assert [(p, sku, name) for _, p, sku, name in variations] == [
        (sudadera, "SUD-CH", "CH"), (sudadera, "SUD-MED", "MED"), (gorra, "GORRA-1", "")]

    again = run(text.replace(",SUD-MED,MED,", ",SUD-MED,Mediana,"), "--json")

    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) == {
        "rows": 3,
        "products": {"created": 0, "updated": 0, "unchanged": 2},
        "variations": {"created": 0, "updated": 1, "unchanged": 2},
        "images": {"created": 0, "updated": 0, "unchanged": 3},
    }
    assert catalog_rows(app)[2][1][3] == "Mediana"
    assert table_counts(app) == (2, 3, 3)


def test_a_row_without_product_id_joins_an_earlier_row_with_that_name(app, run):
    result = run(f"""{HEADER}
200,Chamarra,,CHAM-1,Uno,chamarra.jpg
,Chamarra,,CHAM-2,Dos,chamarra-2.jpg
""")

    assert result.exit_code == 0, result.output
    products, images, variations = catalog_rows(app)
    assert products == [(200, "Chamarra")]
    assert images == [(200, "chamarra.jpg", 1), (200, "chamarra-2.jpg", 2)]
    assert [v[1] for v in variations] == [200, 200]


def test_a_header_in_another_order_with_a_bom_and_crlf_is_fine(app, run):
    text = ("\ufeffSKU,images,product_name,variation_name,variation_id,product_id\r\n"
            "A-1,a.jpg,Producto A,Unica,,\r\n")

    result = run(text)

    assert result.exit_code == 0, result.output
    products, images, variations = catalog_rows(app)
    assert [name for _, name in products] == ["Producto A"]
    assert [v[2:] for v in variations] == [("A-1", "Unica")]


BAD_ROWS = [
    pytest.param(f"{HEADER}\n101,A,1,S1,,\n102,B,2,S2,,\n103,C,3,,,\n", 4, "sku is required",
                 id="empty sku"),
    pytest.param(f"{HEADER}\n101,A,1,S1,,\nabc,B,2,S2,,\n", 3, "product_id must be a whole",
                 id="non-numeric product_id"),
    pytest.param(f"{HEADER}\n101,A,1,S1,,\n102,B,2,S2,,\n103,C,3,{'X' * 65},,\n", 4,
                 "sku is longer than 64", id="sku too long"),
    pytest.param(f"{HEADER}\n0,A,1,S1,,\n", 2, "product_id must be a whole", id="zero id"),
    pytest.param(f"{HEADER}\n101,A,{2**31},S1,,\n", 2, "variation_id must be a whole",
                 id="id too large"),
    pytest.param(f"{HEADER}\n101,A,1,S1,,\n102,{'N' * 256},2,S2,,\n", 3,
                 "product_name is longer than 255", id="name too long"),
    pytest.param(f"{HEADER}\n101, ,1,S1,,\n", 2, "product_name is required", id="blank name"),
    pytest.param(f"{HEADER}\n101,A,1,S\t1,,\n", 2, "sku has a control character", id="tab in sku"),
    pytest.param(f"{HEADER}\n101,A,1,S1,,\n102,B,2,S2\n", 3, "expected 6 fields, found 4",
                 id="missing fields"),
    pytest.param(f"{HEADER}\n101,A,1,S1,,{'f' * 256}.jpg\n", 2, "is longer than 255",
                 id="image name too long"),
    pytest.param(f'{HEADER}\n101,A,1,S1,"Chico\nGrande",\n102,B,2,,,\n', 4, "sku is required",
                 id="line numbers count the lines of a quoted field"),
    pytest.param(f"{HEADER}\n101,A,1,S1,,\n101,B,2,S2,,\n", 3, "product_id 101 is named 'A'",
                 id="one product id, two names"),
    pytest.param(f"{HEADER}\n101,A,1,S1,,\n102,B,2,S1,,\n", 3, "sku 'S1' is already on line 2",
                 id="duplicate sku"),
    pytest.param(f"{HEADER}\n101,A,1,S1,,\n102,B,1,S2,,\n", 3, "variation 1 (sku 'S2') is "
                 "already on line 2", id="duplicate variation_id"),
    pytest.param("product_id,product_name,variation_id,sku,name,images\n101,A,1,S1,,\n", 1,
                 "missing variation_name; unknown 'name'", id="wrong header"),
    pytest.param(f"{HEADER.replace(',', ';')}\n101;A;1;S1;;\n", 1,
                 "seems to use ';'", id="semicolon-separated"),
    pytest.param("", 1, "the file is empty", id="empty file"),
]


@pytest.mark.parametrize("text, line, message", BAD_ROWS)
def test_a_bad_row_is_reported_by_line_and_nothing_is_written(app, run, text, line, message):
    result = run(text)

    assert result.exit_code == 1
    reported = [text for text in result.stderr.splitlines() if text.startswith(f"line {line}: ")]
    assert len(reported) == 1 and message in reported[0], result.stderr
    assert "nothing was imported" in result.stderr
    assert result.stdout == ""
    assert table_counts(app) == (0, 0, 0)


def test_every_bad_row_is_reported(app, run):
    result = run(f"{HEADER}\nx,A,1,S1,,\n102,B,2,,,\n103,C,3,S3,,\n104,D,y,S3,,\n", "--json")

    assert result.exit_code == 1
    assert json.loads(result.stdout) == {"errors": [
        {"line": 2, "message": "product_id must be a whole number from 1 to 2147483647, "
                               "not 'x'"},
        {"line": 3, "message": "sku is required"},
        {"line": 5, "message": "variation_id must be a whole number from 1 to 2147483647, "
                               "not 'y'"},
    ]}
    assert table_counts(app) == (0, 0, 0)


def test_a_file_that_is_not_utf8_is_reported_by_line(app, run):
    result = run(f"{HEADER}\n101,Camisa,1,S1,,\n102,Pantalón,2,S2,,\n", encoding="latin-1")

    assert result.exit_code == 1
    assert "line 3: the file is not UTF-8 text" in result.stderr
    assert table_counts(app) == (0, 0, 0)


def test_a_variation_id_cannot_take_the_sku_of_another_variation(app, run):
    assert run(CATALOG).exit_code == 0
    before = catalog_rows(app)

    result = run(f"{HEADER}\n103,Nuevo,2000,NEW-1,,\n101,Camisa Oxford,1001,OX-MED,CH,\n",
                 "--json")

    assert result.exit_code == 1
    assert json.loads(result.stdout) == {"errors": [
        {"line": 3, "message": "sku 'OX-MED' belongs to variation 1002, not to variation_id 1001"},
    ]}
    assert catalog_rows(app) == before


def test_a_row_without_id_cannot_name_a_variation_another_row_changes(app, run):
    assert run(CATALOG).exit_code == 0

    result = run(f"{HEADER}\n101,Camisa Oxford,1001,OX-XL,XL,\n,Camisa Oxford,,OX-CH,CH,\n")

    assert result.exit_code == 1
    assert "line 3: variation 1001 (sku 'OX-CH') is already on line 2" in result.stderr


def test_an_import_after_the_demo_data_updates_and_adds(app, run, demo):
    before = table_counts(app)

    result = run(f"""{HEADER}
3714,Playera hombros descubiertos,15955,1921176,XGD,nueva.jpg;325ade57db14d47.jpg
3714,Playera hombros descubiertos,,1921177,CH,
,Producto demo 01,,2000010,Chico,
,Producto nuevo,,NUEVO-1,,nuevo.jpg
""", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "rows": 4,
        "products": {"created": 1, "updated": 0, "unchanged": 2},
        "variations": {"created": 2, "updated": 1, "unchanged": 1},
        "images": {"created": 2, "updated": 1, "unchanged": 0},
    }
    assert table_counts(app) == (before[0] + 1, before[1] + 2, before[2] + 2)
    with app.app_context():
        generated = db.session.scalar(sa.select(Variation).where(Variation.sku == "2000010"))
        assert (generated.product_id, generated.name) == (9001, "Chico")
        new = db.session.scalar(sa.select(Variation).where(Variation.sku == "NUEVO-1"))
        assert new.id > 40000 and new.product.id > 9040
        orders = dict(db.session.execute(sa.select(Image.file, Image.order)
                                         .where(Image.product_id == 3714)).all())
        # The files the row lists take its order; the others keep theirs.
        assert orders == {"nueva.jpg": 1, "325ade57db14d47.jpg": 2, "325ade57dc87c65.jpg": 2,
                          "325ade57deb62d4.jpg": 3, "325ade57e005765.jpg": 4,
                          "325ade57e16561d.jpg": 5}


def test_after_explicit_ids_new_rows_get_fresh_ids(app, run):
    assert run(f"{HEADER}\n500,Con id,7000,ID-1,,a.jpg\n,Sin id,,NO-ID-1,,b.jpg\n").exit_code == 0

    with app.app_context():
        product = Product(name="Creado después")
        db.session.add(product)
        db.session.add(Variation(product=product, sku="LATER-1", name=""))
        db.session.add(Image(product=product, file="later.jpg", order=1))
        db.session.commit()
        assert product.id > 500
        assert db.session.scalar(sa.select(Variation.id).where(Variation.sku == "NO-ID-1")) > 0
        assert db.session.scalar(sa.select(Variation.id).where(Variation.sku == "LATER-1")) > 7000


def test_rows_without_ids_after_rows_with_ids_in_one_file(app, run):
    text = f"{HEADER}\n1,Uno,1,V-1,,\n2,Dos,2,V-2,,\n,Tres,,V-3,,\n,Cuatro,,V-4,,\n"

    result = run(text)

    assert result.exit_code == 0, result.output
    products, _, variations = catalog_rows(app)
    assert [p[0] for p in products][:2] == [1, 2] and len({p[0] for p in products}) == 4
    assert len({v[0] for v in variations}) == 4


def test_a_database_failure_writes_nothing(app, run, monkeypatch):
    real_sync = catalog.sync_id_sequences

    def failing_sync(*models):
        real_sync(*models)
        if Variation in models:   # after the products are written
            raise OperationalError("SELECT setval(...)", {}, Exception("disk full"))

    monkeypatch.setattr(catalog, "sync_id_sequences", failing_sync)

    result = run(CATALOG)

    assert result.exit_code == 1
    assert "nothing was written: disk full" in result.stderr
    assert table_counts(app) == (0, 0, 0)


def big_catalog(rows):
    lines = [HEADER]
    for n in range(1, rows + 1):
        product = (n - 1) // 3 + 1
        lines.append(f"{product},Producto {product},{n},SKU-{n:05d},Talla {n % 3},"
                     f"p{product}-1.jpg;p{product}-2.jpg")
    return "\n".join(lines) + "\n"


def test_a_long_file_shows_progress_and_runs_few_statements(app, run, count_queries):
    with count_queries() as statements:
        result = run(big_catalog(1200))

    assert result.exit_code == 0, result.output
    assert "Importing 1200 rows" in result.stderr
    assert table_counts(app) == (400, 800, 1200)
    assert len(statements) < 40

    with count_queries() as statements:
        again = run(big_catalog(1200).replace("Talla 1,", "Talla uno,"))

    assert again.exit_code == 0, again.output
    assert table_counts(app) == (400, 800, 1200)
    assert len(statements) < 40


def test_a_short_file_or_json_shows_no_progress(run):
    assert "Importing" not in run(big_catalog(1000)).stderr
    assert "Importing" not in run(big_catalog(1001), "--json").stderr


def test_the_path_must_be_a_file(runner, tmp_path):
    result = runner.invoke(args=["wms", "import-catalog", str(tmp_path / "missing.csv")])

    assert result.exit_code == 2
    assert "does not exist" in result.output
