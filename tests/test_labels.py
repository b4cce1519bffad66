"""Location labels: GET /api/v1/warehouselocations/labels, `flask wms labels` and wms.labels.

Every barcode drawn is read back with zxing-cpp: PNGs directly, PDFs rendered with PDFium.
"""
import io
import json

import pypdfium2
import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image

from wms.extensions import db
from wms.labels import A4_SHEET, DPI, LABEL, Label, LabelError, Sheet, render, render_pdf
from wms.models import WarehouseLocation
from wms.services.warehouses import create_warehouse, map_rack

URL = "/api/v1/warehouselocations/labels"
# The demo's rack 1 (blocks=3, levels=4, sides=2) in print order: block, level, side.
RACK_1 = [f"R1-{side}{block}-N{level}"
          for block in (1, 2, 3) for level in (1, 2, 3, 4) for side in "AB"]
SYMBOLOGIES = ["code128", "qr"]


def read(image):
    """The texts of the barcodes in an image."""
    return [found.text for found in zxingcpp.read_barcodes(image)]


def pdf_pages(body):
    """Each page of a PDF as (width, height) in points and a grey image at 203 dpi."""
    document = pypdfium2.PdfDocument(body)
    try:
        return [(page.get_size(), page.render(scale=DPI / 72, grayscale=True).to_pil())
                for page in document]
    finally:
        document.close()


def label_pages(body):
    """The one code on each 4 x 2 inch page of a PDF."""
    codes = []
    for size, image in pdf_pages(body):
        assert size == pytest.approx(LABEL.page)
        found = read(image)
        assert len(found) == 1, found
        codes.append(found[0])
    return codes


def strip_codes(body, count):
    """The code on each 406-pixel band of a PNG strip."""
    image = Image.open(io.BytesIO(body))
    width, height = LABEL.label
    assert image.size == (width, height * count)
    assert image.info["dpi"] == pytest.approx((DPI, DPI), abs=0.01)
    return [read(image.crop((0, i * height, width, (i + 1) * height)))
            for i in range(count)]


def get(client, auth, **params):
    return client.get(URL, query_string=params, headers=auth)


# PDF, PNG and ZPL


@pytest.mark.parametrize("symbology", SYMBOLOGIES)
def test_a_rack_prints_one_label_a_page_in_block_level_side_order(client, demo, auth,
                                                                  symbology):
    response = get(client, auth, warehouse_id=1, rack=1, symbology=symbology)

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=labels-warehouse1-rack1.pdf")
    assert label_pages(response.data) == RACK_1


@pytest.mark.parametrize("symbology", SYMBOLOGIES)
def test_a4_sheets_hold_ten_labels_each_in_their_cells(client, demo, auth, symbology):
    response = get(client, auth, warehouse_id=1, rack=1, layout="a4", symbology=symbology)

    assert response.status_code == 200
    pages = pdf_pages(response.data)
    assert len(pages) == 3
    width, height = A4_SHEET.label
    for number, (size, image) in enumerate(pages):
        assert size == pytest.approx(A4_SHEET.page)
        cells = []
        for left, top in A4_SHEET.cells():
            x, y = round(left * DPI / 72), round((A4_SHEET.page[1] - top) * DPI / 72)
            cells.append(read(image.crop((x, y, x + width, y + height))))
        expected = RACK_1[number * 10:number * 10 + 10]
        assert cells == [[code] for code in expected] + [[]] * (10 - len(expected))


@pytest.mark.parametrize("symbology", SYMBOLOGIES)
def test_png_is_a_strip_of_labels_in_the_order_of_the_ids(client, demo, auth, symbology):
    response = client.get(f"{URL}?ids[]=5&ids[]=1&ids[]=5&format=png&symbology={symbology}",
                          headers=auth)

    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["Content-Disposition"] == "attachment; filename=labels.png"
    assert strip_codes(response.data, 3) == [["R1-A1-N3"], ["R1-A1-N1"], ["R1-A1-N3"]]


def test_png_holds_at_most_a_hundred_labels(client, demo, auth):
    response = client.get(f"{URL}?format=png&" + "&".join(["ids[]=1"] * 101), headers=auth)

    assert response.status_code == 400
    assert response.json == {"message": "Parametros no validos.", "errors": {
        "format": ["A PNG holds at most 100 labels: use pdf or zpl."]}}


@pytest.mark.parametrize("symbology, barcode, data", [
    ("code128", "^BCN,", "^FD>:R1-A1-N1^FS"),
    ("qr", "^BQN,2,", "^FH_^FDMA,R1-A1-N1^FS"),
])
def test_zpl_has_one_format_a_label_with_the_printer_drawing_the_barcode(
        client, demo, auth, symbology, barcode, data):
    response = get(client, auth, warehouse_id=1, rack=1, format="zpl", symbology=symbology)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=labels-warehouse1-rack1.zpl")
    text = response.data.decode()
    assert text.count("^XA") == text.count("^XZ") == 24
    first = text.split("^XZ")[0]
    assert first.startswith("^XA\n^CI28\n^PW812\n^LL406\n")
    assert first.count(barcode) == 1 and data in first
    assert "^FH_^FDR1-A1-N1^FS" in first                       # the code in large type
    assert "^FH_^FDBodega1^FS" in first                         # the caption
    assert "^FDRack 1 _C2_B7 Bloque 1 _C2_B7 Nivel 1 _C2_B7 Lado A^FS" in first
    assert all(0 <= int(v) <= 812 for v in _origins(text))


def _origins(text):
    return [v for field in text.split("^FO")[1:] for v in field.split("^")[0].split(",")]


def test_zpl_data_cannot_start_a_command():
    zpl = render([Label("A^B~C>D_", ("x^XZ~JR\\&",))], format="zpl").decode()

    assert zpl.count("^XZ") == 1 and "~" not in zpl
    assert "^FD>:A><B>=C>0D_^FS" in zpl                         # Code 128 invocation codes
    assert "^FH_^FDA_5EB_7EC_3ED_5F^FS" in zpl                  # the code as text
    assert "^FH_^FDx_5EXZ_7EJR_5C_26^FS" in zpl


# Selecting locations


def test_one_location_by_code_trimmed_and_in_any_case(client, demo, auth):
    response = get(client, auth, warehouse_id=1, mapped_string=" r4-b3-n4 ")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == "attachment; filename=label-R4-B3-N4.pdf"
    assert label_pages(response.data) == ["R4-B3-N4"]


def test_ids_may_come_in_a_json_body_and_be_kept_to_a_warehouse(client, app, demo, auth):
    response = client.get(URL, json={"ids": [96, 2], "warehouse_id": 1, "format": "png"},
                          headers=auth)

    assert response.status_code == 200
    assert strip_codes(response.data, 2) == [["R4-B3-N4"], ["R1-B1-N1"]]


@pytest.mark.parametrize("query, errors", [
    ("", {"ids": ["Give ids[], or warehouse_id with rack or mapped_string."]}),
    ("warehouse_id=1", {"ids": ["Give ids[], or warehouse_id with rack or mapped_string."]}),
    ("rack=1", {"warehouse_id": ["Missing data for required field."]}),
    ("mapped_string=R1-A1-N1", {"warehouse_id": ["Missing data for required field."]}),
    ("warehouse_id=1&rack=1&ids[]=1",
     {"ids": ["Give only one of rack, mapped_string and ids[]."]}),
    ("warehouse_id=1&rack=1&mapped_string=R1-A1-N1",
     {"mapped_string": ["Give only one of rack, mapped_string and ids[]."]}),
    ("warehouse_id=1&rack=0", {"rack": [
        "Must be greater than or equal to 1 and less than or equal to 2147483647."]}),
    ("warehouse_id=x&rack=1", {"warehouse_id": ["Must be a positive integer."]}),
    ("ids[]=1&ids[]=abc", {"ids": {"1": ["Must be a positive integer."]}}),
    ("ids=1", {"ids": ["Not a valid list."]}),
    ("ids[]=1&format=doc", {"format": ["Must be one of: pdf, png, zpl."]}),
    ("ids[]=1&symbology=ean13", {"symbology": ["Must be one of: code128, qr."]}),
    ("ids[]=1&layout=a5", {"layout": ["Must be one of: label, a4."]}),
    ("ids[]=1&layout=a4&format=zpl",
     {"layout": ["Only PDF comes in layouts; leave it out for png and zpl."]}),
    ("warehouse_id=1&mapped_string=" + "R" * 33,
     {"mapped_string": ["Length must be between 1 and 32."]}),
])
def test_bad_parameters_are_400(client, auth, query, errors):
    response = client.get(f"{URL}?{query}", headers=auth)

    assert response.status_code == 400
    assert response.json == {"message": "Parametros no validos.", "errors": errors}


@pytest.mark.parametrize("query, message", [
    ("warehouse_id=99&rack=1", "La bodega no existe."),
    ("warehouse_id=99&mapped_string=R1-A1-N1", "La bodega no existe."),
    ("warehouse_id=99&ids[]=1", "La bodega no existe."),
    ("warehouse_id=1&rack=9", "La ubicacion no existe."),
    ("warehouse_id=1&mapped_string=R9-A1-N1", "La ubicacion no existe."),
    ("ids[]=1&ids[]=9999", "La ubicacion no existe."),
])
def test_unknown_warehouses_and_locations_are_404(client, demo, auth, query, message):
    response = client.get(f"{URL}?{query}", headers=auth)

    assert response.status_code == 404
    assert response.json == {"message": message}


def test_ids_of_another_warehouse_are_404(client, app, demo, auth):
    with app.app_context():
        other = create_warehouse(name="Bodega2", store_id=1).id
        map_rack(warehouse_id=other, blocks=1, levels=1, sides=1)
        theirs = db.session.scalar(sa.select(WarehouseLocation.id).where(
            WarehouseLocation.warehouse_id == other))

    assert client.get(f"{URL}?ids[]={theirs}", headers=auth).status_code == 200
    response = client.get(f"{URL}?warehouse_id=1&ids[]=1&ids[]={theirs}", headers=auth)
    assert response.status_code == 404
    assert response.json == {"message": "La ubicacion no existe."}


def test_a_request_renders_at_most_a_thousand_labels(client, app, demo, auth, count_queries):
    with app.app_context():
        rack, created = map_rack(warehouse_id=1, blocks=50, levels=21, sides=1)
    assert created == 1050

    with count_queries() as statements:
        response = get(client, auth, warehouse_id=1, rack=rack)
    assert response.status_code == 400
    assert response.json["errors"] == {"rack": [
        "At most 1000 labels a request: select fewer locations (ids[] lists any)."]}
    # Only the first 1001 rows were read.
    assert any("LIMIT" in statement.upper() for statement in statements)

    too_many = client.get(f"{URL}?" + "&".join(["ids[]=1"] * 1001), headers=auth)
    assert too_many.status_code == 400
    assert list(too_many.json["errors"]) == ["ids"]


def test_the_statements_do_not_grow_with_the_labels(client, app, demo, auth, count_queries):
    with app.app_context():
        small, _ = map_rack(warehouse_id=1, blocks=1, levels=1, sides=1)
    counts = set()
    for query in (f"warehouse_id=1&rack={small}", "warehouse_id=1&rack=1",
                  "ids[]=1", "&".join(f"ids[]={i}" for i in range(1, 49)), "format=zpl&ids[]=3"):
        with count_queries() as statements:
            assert client.get(f"{URL}?{query}", headers=auth).status_code == 200
        counts.add(len(statements))
    assert len(counts) == 1


def test_labels_need_a_token(client):
    response = client.get(f"{URL}?warehouse_id=1&rack=1")

    assert response.status_code == 401
    assert response.json == {"message": "Unauthenticated."}


def test_a_code_code128_cannot_hold_is_a_400_and_prints_as_qr(client, app, demo, auth):
    with app.app_context():
        db.session.add(WarehouseLocation(warehouse_id=1, rack=9, block=1, level=1, side=1,
                                         mapped_string="R9-Ñ1-N1"))
        db.session.commit()

    response = get(client, auth, warehouse_id=1, rack=9)
    assert response.status_code == 400
    assert response.json["errors"] == {
        "symbology": ["Code 128 holds only printable ASCII characters: use qr."]}

    qr = get(client, auth, warehouse_id=1, rack=9, symbology="qr", format="png")
    assert qr.status_code == 200
    assert strip_codes(qr.data, 1) == [["R9-Ñ1-N1"]]


# The rendering module alone


def test_long_captions_are_cut_short_and_the_code_shrinks_to_fit():
    code = "R12-B10-N50-" + "X" * 20
    body = render([Label(code, ("A warehouse with a very long name " * 4, "x"))],
                  format="png")

    assert strip_codes(body, 1) == [[code]]


@pytest.mark.parametrize("kwargs, argument", [
    ({"format": "svg"}, "format"),
    ({"symbology": "ean13"}, "symbology"),
    ({"sheet": "a5"}, "sheet"),
])
def test_render_names_the_argument_at_fault(kwargs, argument):
    with pytest.raises(LabelError) as caught:
        render([Label("R1-A1-N1")], **kwargs)
    assert caught.value.argument == argument


@pytest.mark.parametrize("symbology", SYMBOLOGIES)
def test_a_portrait_label_stacks_the_barcode_and_the_text(symbology):
    portrait = Sheet(page=(2 * 72, 4 * 72), label=(2 * DPI, 4 * DPI))

    (size, image), = pdf_pages(render_pdf([Label("R1-A1-N1", ("Bodega1",))], symbology,
                                          portrait))
    assert size == pytest.approx((144, 288))
    assert read(image) == ["R1-A1-N1"]


def test_codes_have_a_length_limit():
    with pytest.raises(LabelError, match="1 to 100 characters"):
        render([Label("A" * 101)], symbology="qr")
    with pytest.raises(LabelError, match="too long to fit its barcode"):
        render([Label("A" * 100)], symbology="code128")
    assert read(Image.open(io.BytesIO(render([Label("A" * 100)], "png", "qr"))))[0] == "A" * 100


# flask wms labels


def test_cli_writes_a_rack_to_a_file(runner, demo, tmp_path):
    out = tmp_path / "labels.pdf"

    result = runner.invoke(args=["wms", "labels", "--warehouse", "1", "--rack", "2",
                                 "--format", "pdf", "-o", str(out), "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"labels": 24, "format": "pdf", "output": str(out)}
    assert label_pages(out.read_bytes()) == [code.replace("R1-", "R2-") for code in RACK_1]


def test_cli_writes_to_stdout_and_names_files_itself(runner, demo, tmp_path, monkeypatch):
    png = runner.invoke(args=["wms", "labels", "--warehouse", "1", "--code", "r1-a1-n1",
                              "--format", "png", "--symbology", "qr", "-o", "-"])
    assert png.exit_code == 0
    assert strip_codes(png.stdout_bytes, 1) == [["R1-A1-N1"]]

    monkeypatch.chdir(tmp_path)
    sheet = runner.invoke(args=["wms", "labels", "--id", "3", "--id", "1", "--layout", "a4"])
    assert sheet.exit_code == 0, sheet.output
    assert sheet.output == "Wrote 2 label(s) to labels.pdf.\n"
    (size, image), = pdf_pages((tmp_path / "labels.pdf").read_bytes())
    assert size == pytest.approx(A4_SHEET.page)
    assert sorted(read(image)) == ["R1-A1-N1", "R1-A1-N2"]


@pytest.mark.parametrize("args, message", [
    (["--warehouse", "1"], "Say which locations: --warehouse with --rack or --code, or --id."),
    (["--rack", "1"], "--warehouse: Missing data for required field."),
    (["--warehouse", "1", "--rack", "1", "--format", "zpl", "--layout", "a4"],
     "--layout: Only PDF comes in layouts"),
    (["--warehouse", "9", "--rack", "1"], "La bodega no existe."),
    (["--warehouse", "1", "--code", "R9-A1-N1"], "La ubicacion no existe."),
    (["--id", "1", "-o", "-", "--json"], "--json prints to standard output"),
    (["--id", "1", "-o", "/nonexistent/dir/labels.pdf"], "cannot write /nonexistent/dir"),
])
def test_cli_errors_are_clear(runner, demo, args, message):
    result = runner.invoke(args=["wms", "labels", *args])

    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
