"""`flask wms import-catalog FILE.csv`: what it writes, that re-running it updates instead of
duplicating, and that a bad file is reported by line and writes nothing."""
import json
from datetime import datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from wms.extensions import db
from wms.models import Category, Color, Image, Product, Variation
from wms.models.catalog import category_product
from wms.services import catalog

from tests.test_legacy_clients import legacy  # noqa: F401 (the CLIENT_SHAPES=clients-2019 app)

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


def big_catalog(rows, full=False):
    """Three variations and two images a product; `full`: every optional column too."""
    lines = [FULL_HEADER if full else HEADER]
    for n in range(1, rows + 1):
        product = (n - 1) // 3 + 1
        images = f"p{product}-1.jpg;p{product}-2.jpg"
        lines.append(full_row(n, product, images) if full else
                     f"{product},Producto {product},{n},SKU-{n:05d},Talla {n % 3},{images}")
    return "\n".join(lines) + "\n"


def import_twice(app, run, count_queries, text, change):
    """Import `text`, then import it again with one change (old, new); the statements each
    import ran."""
    runs = []
    for text in (text, text.replace(*change)):
        with count_queries() as statements:
            result = run(text)
        assert result.exit_code == 0, result.output
        assert "Importing 1200 rows" in result.stderr
        assert table_counts(app) == (400, 800, 1200)
        runs.append(statements)
    return runs


def test_a_long_file_shows_progress_and_runs_few_statements(app, run, count_queries):
    runs = import_twice(app, run, count_queries, big_catalog(1200), ("Talla 1,", "Talla uno,"))

    assert [len(statements) < 40 for statements in runs] == [True, True]


def test_a_short_file_or_json_shows_no_progress(run):
    assert "Importing" not in run(big_catalog(1000)).stderr
    assert "Importing" not in run(big_catalog(1001), "--json").stderr


def test_the_path_must_be_a_file(runner, tmp_path):
    result = runner.invoke(args=["wms", "import-catalog", str(tmp_path / "missing.csv")])

    assert result.exit_code == 2
    assert "does not exist" in result.output


# The optional columns: the fields the 2019 clients read

FULL_HEADER = ("sku,product_id,product_name,internal_reference,provider,colors_es,family,"
               "parent_name,activation_disabled,categories,variation_id,variation_name,stock,"
               "price,color,images")
FULL = f"""{FULL_HEADER}
OX-CH,101,Camisa Oxford,OX-2019,Textiles Monterrey,Azul marino,Camisas,Caballero,no,Ropa > Camisas; Ofertas,1001,CH,4,499.90,Azul,oxford-1.jpg
OX-MED,101,Camisa Oxford,OX-2019,Textiles Monterrey,Azul marino,Camisas,Caballero,no,Ropa > Camisas; Ofertas,1002,MED,0,499.9,Azul,
CH-30,102,Pantalon chino,CH-2019,Confecciones Leon,Caqui,Pantalones,Caballero,TRUE,Ropa > Pantalones,1003,30,12,650,Caqui,chino.jpg
"""  # noqa: E501 (a CSV line)


def table(columns, *rows):
    """A CSV of `columns` and `rows` (lines of cells in that order), with the required columns
    it does not name added, empty, at the end of each line."""
    missing = [name for name in HEADER.split(",") if name not in columns.split(",")]
    lines = [",".join([columns, *missing])] + [row + "," * len(missing) for row in rows]
    return "\n".join(lines) + "\n"


def product_fields(app):
    """{product id: (internal_reference, provider, colors_es, family, parent_name,
    activation_disabled, {category paths})}"""
    with app.app_context():
        names = dict(db.session.execute(sa.select(Category.id, Category.name)).all())
        parents = dict(db.session.execute(sa.select(Category.id, Category.depends_id)).all())

        def path(category_id):
            parent = parents[category_id]
            return (path(parent) if parent else ()) + (names[category_id],)

        return {p.id: (p.internal_reference, p.provider, p.colors_es, p.family, p.parent_name,
                       p.activation_disabled, {path(c.id) for c in p.categories})
                for p in db.session.scalars(sa.select(Product))}


def variation_fields(app):
    """{sku: (stock, price, colour name)}"""
    with app.app_context():
        return {v.sku: (v.stock, v.price, v.color.name if v.color else None)
                for v in db.session.scalars(sa.select(Variation))}


def summary(rows, **kinds):
    """The --json output: rows, and each kind's (created, updated, unchanged)."""
    return {"rows": rows, **{kind: dict(zip(("created", "updated", "unchanged"), numbers))
                             for kind, numbers in kinds.items()}}


def category_rows(app):
    with app.app_context():
        return sorted(tuple(c) for c in db.session.execute(
            sa.select(Category.id, Category.name, Category.depends_id, Category.active)))


def test_every_optional_column_is_imported(app, run):
    result = run(FULL, "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == summary(
        3, products=(2, 0, 0), variations=(3, 0, 0), images=(2, 0, 0), colors=(2, 0, 0),
        categories=(4, 0, 0), category_links=(3, 0, 0))
    assert product_fields(app) == {
        101: ("OX-2019", "Textiles Monterrey", "Azul marino", "Camisas", "Caballero", False,
              {("Ropa", "Camisas"), ("Ofertas",)}),
        102: ("CH-2019", "Confecciones Leon", "Caqui", "Pantalones", "Caballero", True,
              {("Ropa", "Pantalones")}),
    }
    assert variation_fields(app) == {"OX-CH": (4, Decimal("499.90"), "Azul"),
                                     "OX-MED": (0, Decimal("499.90"), "Azul"),
                                     "CH-30": (12, Decimal("650.00"), "Caqui")}
    assert [(name, active) for _, name, _, active in category_rows(app)] == [
        ("Ofertas", True), ("Ropa", True), ("Camisas", True), ("Pantalones", True)]
    with app.app_context():
        stamps = db.session.execute(sa.select(Category.created_at, Color.created_at)
                                    .join(Color, sa.true())).all()
        assert stamps and all(category and color for category, color in stamps)


def test_the_text_output_names_colours_categories_and_links(run):
    result = run(FULL)

    assert result.exit_code == 0, result.output
    assert result.stdout.endswith(
        "colors 2 created, 0 updated, 0 unchanged; categories 4 created, 0 updated, "
        "0 unchanged; category links 3 created, 0 updated, 0 unchanged.\n")


def test_re_importing_updates_the_optional_columns(app, run):
    assert run(FULL).exit_code == 0

    again = run(FULL, "--json")

    assert again.exit_code == 0, again.output
    counts = json.loads(again.stdout)
    assert all(kind["created"] == kind["updated"] == 0
               for name, kind in counts.items() if name != "rows")

    changed = run(FULL.replace("Textiles Monterrey", "Textiles del Norte")
                  .replace(",4,499.90,Azul,", ",3,459.00,Celeste,")
                  .replace(",0,499.9,Azul,", ",0,459,Celeste,")
                  .replace("Ropa > Camisas; Ofertas", "Ropa > Camisas > Manga larga"), "--json")

    assert changed.exit_code == 0, changed.output
    assert json.loads(changed.stdout) == summary(
        3, products=(0, 1, 1), variations=(0, 2, 1), images=(0, 0, 2), colors=(1, 0, 1),
        categories=(1, 0, 3), category_links=(1, 0, 1))
    fields = product_fields(app)
    assert fields[101][1] == "Textiles del Norte"
    # Links are only added: the product keeps the categories the file no longer lists.
    assert fields[101][6] == {("Ropa", "Camisas"), ("Ofertas",),
                              ("Ropa", "Camisas", "Manga larga")}
    assert variation_fields(app) == {"OX-CH": (3, Decimal("459.00"), "Celeste"),
                                     "OX-MED": (0, Decimal("459.00"), "Celeste"),
                                     "CH-30": (12, Decimal("650.00"), "Caqui")}


def test_an_update_of_an_optional_column_moves_updated_at(app, run):
    assert run(FULL).exit_code == 0
    with app.app_context():
        for model in (Product, Variation):
            db.session.execute(sa.update(model).values(created_at=LONG_AGO, updated_at=LONG_AGO))
        db.session.commit()

    assert run(FULL.replace("Confecciones Leon", "Confecciones Bajio")
               .replace(",12,650,", ",11,650,")).exit_code == 0

    with app.app_context():
        assert db.session.get(Product, 102).updated_at > LONG_AGO
        assert db.session.get(Product, 101).updated_at == LONG_AGO
        assert db.session.get(Variation, 1003).updated_at > LONG_AGO
        assert db.session.get(Variation, 1001).updated_at == LONG_AGO


def test_empty_cells_keep_what_is_stored(app, run):
    assert run(FULL).exit_code == 0
    before = product_fields(app), variation_fields(app), category_rows(app)

    empty = run(f"""{FULL_HEADER}
OX-CH,101,Camisa Oxford,,,,,,,,1001,CH,,,,
CH-30,102,Pantalon chino,,,,,,,,1003,30,,,,
""", "--json")
    old_columns = run(f"{HEADER}\n101,Camisa Oxford,1002,OX-MED,MED,\n", "--json")

    assert empty.exit_code == 0, empty.output
    assert json.loads(empty.stdout)["products"] == {"created": 0, "updated": 0, "unchanged": 2}
    assert json.loads(empty.stdout)["variations"] == {"created": 0, "updated": 0, "unchanged": 2}
    assert old_columns.exit_code == 0, old_columns.output
    assert set(json.loads(old_columns.stdout)) == {"rows", "products", "variations", "images"}
    assert (product_fields(app), variation_fields(app), category_rows(app)) == before


def test_a_new_row_with_empty_cells_stores_nulls(app, run):
    result = run(f"{FULL_HEADER}\nNEW-1,,Nuevo,,,,,,,,,,,,,\n")

    assert result.exit_code == 0, result.output
    [(product_id, fields)] = product_fields(app).items()
    assert fields == (None, None, None, None, None, None, set())
    assert variation_fields(app) == {"NEW-1": (None, None, None)}
    assert category_rows(app) == []


def test_product_cells_may_be_given_on_one_row_of_the_product(app, run):
    result = run(table("sku,product_name,provider,categories,activation_disabled",
                       "A-1,Falda,,,", "A-2,Falda,Textiles Monterrey,Ropa > Faldas,0",
                       "A-3,Falda,,,"))

    assert result.exit_code == 0, result.output
    [fields] = product_fields(app).values()
    assert fields[1] == "Textiles Monterrey" and fields[5] is False
    assert fields[6] == {("Ropa", "Faldas")}


def test_the_categories_tree_is_built_once_and_reused(app, run):
    with app.app_context():
        ropa = Category(name="Ropa", depends_id=0, active=False)
        db.session.add(ropa)
        db.session.flush()
        db.session.add(Category(name="Camisas", depends_id=ropa.id))
        db.session.commit()
        ropa_id = ropa.id

    result = run(table("sku,product_name,categories",
                       "S-1,Camisa,Ropa > Camisas",
                       "S-2,Camiseta,Ropa >Camisas;ropa > camisas ;  Ropa > Camisas",
                       "S-3,Blusa,Ropa > Blusas; Ofertas > Ropa > Camisas; ;",
                       "S-4,Vestido,Ropa > Blusas"), "--json")

    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)
    assert counts["categories"] == {"created": 6, "updated": 0, "unchanged": 2}
    assert counts["category_links"] == {"created": 6, "updated": 0, "unchanged": 0}
    rows = category_rows(app)
    by_path = {}
    for category_id, name, parent, active in rows:
        parent_path = next(path for path, (cid, _) in by_path.items() if cid == parent) \
            if parent else ()
        by_path[parent_path + (name,)] = (category_id, active)
    # The existing department is reused as it is (still inactive); names are compared exactly.
    assert by_path[("Ropa",)] == (ropa_id, False)
    assert sorted(by_path) == [("Ofertas",), ("Ofertas", "Ropa"), ("Ofertas", "Ropa", "Camisas"),
                               ("Ropa",), ("Ropa", "Blusas"), ("Ropa", "Camisas"), ("ropa",),
                               ("ropa", "camisas")]
    assert len(rows) == 8
    names = {product_id: name for product_id, name in catalog_rows(app)[0]}
    assert {names[product_id]: fields[6] for product_id, fields in product_fields(app).items()} == {
        "Camisa": {("Ropa", "Camisas")},
        "Camiseta": {("Ropa", "Camisas"), ("ropa", "camisas")},
        "Blusa": {("Ropa", "Blusas"), ("Ofertas", "Ropa", "Camisas")},
        "Vestido": {("Ropa", "Blusas")}}

    again = run(table("sku,product_name,categories", "S-4,Vestido,Ropa > Blusas; Ropa > Camisas"),
                "--json")

    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["categories"] == {"created": 0, "updated": 0,
                                                      "unchanged": 3}
    assert json.loads(again.stdout)["category_links"] == {"created": 1, "updated": 0,
                                                          "unchanged": 1}
    assert len(category_rows(app)) == 8


def test_colours_are_found_by_name_or_created_once(app, run):
    with app.app_context():
        db.session.add_all([Color(name="Rojo"), Color(name="Rojo")])
        db.session.commit()
        first_red = db.session.scalar(sa.select(sa.func.min(Color.id)))

    result = run(table("sku,product_name,color", "R-1,Gorra,Rojo", "R-2,Gorra,Verde",
                       "R-3,Playera,Verde", "R-4,Playera,rojo", "R-5,Playera,"), "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["colors"] == {"created": 2, "updated": 0, "unchanged": 1}
    assert {sku: color for sku, (_, _, color) in variation_fields(app).items()} == {
        "R-1": "Rojo", "R-2": "Verde", "R-3": "Verde", "R-4": "rojo", "R-5": None}
    with app.app_context():
        assert db.session.scalar(sa.select(Variation.color_id)
                                 .where(Variation.sku == "R-1")) == first_red
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Color)) == 4


def test_booleans_and_numbers_are_read_as_written(app, run):
    result = run(table("sku,product_name,activation_disabled,stock,price", "B-1,Uno,Yes,0,0",
                       "B-2,Dos,no,2147483647,9999999999.99", "B-3,Tres,1,007,0.5"))

    assert result.exit_code == 0, result.output
    assert {fields[5] for fields in product_fields(app).values()} == {True, False}
    assert variation_fields(app) == {"B-1": (0, Decimal("0.00"), None),
                                     "B-2": (2**31 - 1, Decimal("9999999999.99"), None),
                                     "B-3": (7, Decimal("0.50"), None)}


OPTIONAL_BAD_ROWS = [
    pytest.param("stock\n-1", "stock must be a whole number from 0 to 2147483647, not '-1'",
                 id="negative stock"),
    pytest.param("stock\n1.5", "stock must be a whole number", id="decimal stock"),
    pytest.param(f"stock\n{2**31}", "stock must be a whole number", id="stock too large"),
    pytest.param("stock\n" + "9" * 5000, "stock must be a whole number", id="huge stock"),
    pytest.param("price\n12.345", "price must be a number from 0 to 9999999999.99, with at most "
                 "two decimals after a point, not '12.345'", id="three decimals"),
    pytest.param('price\n"12,50"', "price must be a number", id="decimal comma"),
    pytest.param("price\n-3", "price must be a number", id="negative price"),
    pytest.param("price\n10000000000", "price must be a number", id="price too large"),
    pytest.param("price\n1e3", "price must be a number", id="exponent"),
    pytest.param("activation_disabled\nsi", "activation_disabled must be true, false, 1, 0, "
                 "yes or no, not 'si'", id="bad boolean"),
    pytest.param(f"internal_reference\n{'R' * 65}", "internal_reference is longer than 64",
                 id="reference too long"),
    pytest.param(f"provider\n{'P' * 256}", "provider is longer than 255", id="provider too long"),
    pytest.param('family\n"Cami\tsas"', "family has a control character", id="tab in family"),
    pytest.param('colors_es\n"Azul\nmarino"', "colors_es has a control character",
                 id="line break in colors_es"),
    pytest.param(f"parent_name\n{'N' * 256}", "parent_name is longer than 255",
                 id="parent_name too long"),
    pytest.param(f"color\n{'C' * 256}", "color is longer than 255", id="colour too long"),
    pytest.param("categories\nRopa > > Camisas", "categories: 'Ropa > > Camisas' has an empty "
                 "category name", id="empty category"),
    pytest.param("categories\n> Ropa", "has an empty category name", id="leading '>'"),
    pytest.param(f"categories\nRopa > {'X' * 256}", "is longer than 255",
                 id="category too long"),
    pytest.param('categories\n"Ropa > Cami\x07sas"', "has a control character",
                 id="control character in a category"),
]


@pytest.mark.parametrize("column_and_cell, message", OPTIONAL_BAD_ROWS)
def test_a_bad_optional_cell_is_reported_by_line(app, run, column_and_cell, message):
    column, cell = column_and_cell.split("\n", 1)
    text = table(f"product_name,sku,{column}", "Bueno,OK-1,", f"Malo,BAD-1,{cell}")

    result = run(text, "--json")

    assert result.exit_code == 1
    errors = json.loads(result.stdout)["errors"]
    assert [error["line"] for error in errors] == [3], errors
    assert message in errors[0]["message"]
    assert table_counts(app) == (0, 0, 0)


FILE_BAD_ROWS = [
    pytest.param(f"{HEADER},provider\n101,A,1,S1,,\n", 2, "expected 7 fields, found 6",
                 id="a row without the optional cell"),
    pytest.param(f"{HEADER},provider,stock,provider\n", 1, "repeated provider",
                 id="repeated optional column"),
    pytest.param(f"{HEADER},proveedor\n", 1, "and may add internal_reference, provider, "
                 "colors_es, family, parent_name, activation_disabled, categories, stock, price, "
                 "color: unknown 'proveedor'", id="unknown column"),
    pytest.param(table("product_name,sku,provider", "A,S1,Uno", "B,S2,Dos", "A,S3,Tres"), 4,
                 "provider is 'Tres' here but 'Uno' on line 2, a row of the same product",
                 id="two providers for one product"),
    pytest.param(table("product_id,product_name,sku,activation_disabled", "1,A,S1,yes",
                       "1,A,S2,0"), 3,
                 "activation_disabled is 'false' here but 'true' on line 2",
                 id="two flags for one product"),
    pytest.param(table("product_name,sku,categories", "A,S1,Ropa; Ofertas", "A,S2,Ofertas;Ropa",
                       "A,S3,Ropa"), 4, "categories is 'Ropa' here but 'Ofertas; Ropa' on line 2",
                 id="two category lists for one product"),
    pytest.param(table("product_name,sku,internal_reference", "A,S1,REF-1", "B,S2,REF-2",
                       "C,S3,REF-1"), 4,
                 "internal_reference 'REF-1' is already on line 2, for another product",
                 id="one reference, two products"),
    pytest.param(table("product_id,product_name,sku,internal_reference", "1,A,S1,REF-1",
                       "2,A,S2,REF-1"), 3, "internal_reference 'REF-1' is already on "
                 "line 2", id="one reference, two product ids"),
]


@pytest.mark.parametrize("text, line, message", FILE_BAD_ROWS)
def test_bad_optional_columns_are_reported_by_line(app, run, text, line, message):
    result = run(text, "--json")

    assert result.exit_code == 1
    errors = json.loads(result.stdout)["errors"]
    assert [error["line"] for error in errors] == [line], errors
    assert message in errors[0]["message"], errors
    assert table_counts(app) == (0, 0, 0)


def test_an_id_of_thousands_of_digits_is_an_error_not_a_crash(app, run):
    result = run(f"{HEADER}\n{'9' * 5000},A,1,S1,,\n", "--json")

    assert result.exit_code == 1
    [error] = json.loads(result.stdout)["errors"]
    assert error["line"] == 2 and error["message"].startswith("product_id must be a whole")


def test_an_internal_reference_belongs_to_one_product_of_the_database(app, run):
    assert run(FULL).exit_code == 0
    before = product_fields(app)

    columns = "product_id,product_name,sku,internal_reference"
    taken = run(table(columns, "102,Pantalon chino,CH-30,CH-2019",
                      ",Pantalon nuevo,PN-1,OX-2019"), "--json")
    swapped = run(table(columns, "101,Camisa Oxford,OX-CH,CH-2019",
                        "102,Pantalon chino,CH-30,OX-2019"), "--json")
    kept = run(table(columns, "101,Camisa Oxford,OX-CH,OX-2019"))

    assert taken.exit_code == 1
    assert json.loads(taken.stdout)["errors"] == [
        {"line": 3, "message": "internal_reference 'OX-2019' belongs to product 101"}]
    assert swapped.exit_code == 1
    assert [e["line"] for e in json.loads(swapped.stdout)["errors"]] == [2, 3]
    assert kept.exit_code == 0, kept.output
    assert product_fields(app) == before


def test_references_differing_in_case_follow_the_database(app, run):
    """MariaDB's unique index ignores case and accents: such references are one there (the
    file is refused by line, not by the database); SQLite and PostgreSQL keep them apart."""
    columns = "product_name,sku,internal_reference"
    assert run(table(columns, "A,S1,ref-á")).exit_code == 0

    result = run(table(columns, "B,S2,REF-A", "C,S3,Ref-a"), "--json")

    with app.app_context():
        folding = db.engine.dialect.name in ("mysql", "mariadb")
    if folding:
        assert result.exit_code == 1
        assert json.loads(result.stdout)["errors"] == [
            {"line": 2, "message": "internal_reference 'ref-á' belongs to product 1"},
            {"line": 3, "message": "internal_reference 'Ref-a' is already on line 2, "
                                   "for another product"}]
    else:
        assert result.exit_code == 0, result.output
        assert sorted(f[0] for f in product_fields(app).values()) == ["REF-A", "Ref-a", "ref-á"]


def full_row(n, product, images):
    return (f"SKU-{n:05d},{product},Producto {product},REF-{product},Proveedor {product % 7},"
            f"Azul,Familia {product % 5},Padre,no,Depto {product % 4} > Linea {product % 9}; "
            f"Ofertas,{n},Talla {n % 3},{n % 11},{n % 400}.90,Color {n % 13},{images}")


def test_a_long_file_with_every_column_runs_few_statements(app, run, count_queries):
    runs = import_twice(app, run, count_queries, big_catalog(1200, full=True),
                        ("Proveedor 3,", "Proveedor tres,"))

    assert [len(statements) < 30 for statements in runs] == [True, True]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Category)) == 41
        assert db.session.scalar(sa.select(sa.func.count()).select_from(category_product)) == 800
    assert sum(f[1] == "Proveedor tres" for f in product_fields(app).values()) == 57


def test_the_2019_clients_show_what_was_imported(app, run, legacy, token):  # noqa: F811
    assert run(FULL).exit_code == 0
    assert run(f"{HEADER}\n,Sin datos,,SD-1,UNI,\n").exit_code == 0
    headers = {"Accept": "application/json", "Authorization": f"Bearer {token}"}

    def get(path):
        response = legacy.get(f"/api/v1/{path}", headers=headers)
        assert response.status_code == 200, response.json
        return response.json

    departments = {c["name"]: c["id"] for c in get("categories/parent")}
    assert sorted(departments) == ["Ofertas", "Ropa"]
    subcategories = {c["name"]: c["id"] for c in get(f"categories/child/{departments['Ropa']}")}
    assert sorted(subcategories) == ["Camisas", "Pantalones"]

    def inventory(query):
        return get("locationvariation/getall?per_page=10&page=1&notLocated=true&" + query)["data"]

    [shirt] = inventory(f"active=-1&department={departments['Ropa']}"
                        f"&subcategory={subcategories['Camisas']}")
    assert {key: shirt[key] for key in ("id", "internal_reference", "provider", "colors_es",
                                        "family", "parent_name")} == {
        "id": 101, "internal_reference": "OX-2019", "provider": "Textiles Monterrey",
        "colors_es": "Azul marino", "family": "Camisas", "parent_name": "Caballero"}
    assert [(v["sku"], v["stock"], v["price"], v["color"]["name"])
            for v in shirt["variations"]] == [("OX-CH", 4, "499.90", "Azul"),
                                              ("OX-MED", 0, "499.90", "Azul")]
    assert [p["id"] for p in inventory("active=-1&department=-1&subcategory=-1")] == [
        101, 102, 103]
    assert [p["id"] for p in inventory("active=1&department=-1&subcategory=-1")] == [102]
    assert [p["id"] for p in inventory(f"active=-1&department={departments['Ofertas']}"
                                       "&subcategory=-1")] == [101]

    trousers = get("locationvariation/getlocationsofproduct?sku=CH-2019")
    assert (trousers["id"], trousers["provider"], trousers["family"]) == (
        102, "Confecciones Leon", "Pantalones")
    assert [(v["sku"], v["stock"]) for v in trousers["variations"]] == [("CH-30", 12)]
    # A product the file gave no such values: null, never an invented value.
    bare = get("locationvariation/getlocationsofproduct?sku=SD-1")
    assert [bare[key] for key in ("provider", "internal_reference", "family", "parent_name",
                                  "colors_es")] == [None] * 5
    assert bare["variations"][0]["stock"] is None
    [unpriced] = inventory("active=-1&department=-1&subcategory=-1&name=Sin")
    assert unpriced["variations"][0]["price"] is None
    assert unpriced["variations"][0]["color"] is None
