"""Scanned location codes: spaces around them, letter case and zero padding do not matter,
wherever a code is read; the stored code stays canonical."""
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from marshmallow import ValidationError

from wms.extensions import db
from wms.models import Placement, Variation, WarehouseLocation
from wms.models.warehouse import canonical_code
from wms.schemas.fields import CODE_MAX, LocationCode

BASE = "/api/v1/locationvariation"


@pytest.mark.parametrize("sent, read", [
    ("R1-A1-N1", "R1-A1-N1"),
    (" r01-a01-n01 ", "R1-A1-N1"),
    ("r1-b3-n4", "R1-B3-N4"),
    ("R0004-B0003-N0012", "R4-B3-N12"),
    ("R10-A20-N30", "R10-A20-N30"),
    ("R100-A1-N1", "R100-A1-N1"),
    ("R00-A0-N000", "R0-A0-N0"),
    ("\tR01-A01-N01\n", "R1-A1-N1"),
    # Not the pattern: only trimmed and upper-cased.
    (" piso-01 ", "PISO-01"),
    ("R01-C01-N01", "R01-C01-N01"),
    ("R01-A01-N01-X", "R01-A01-N01-X"),
    ("R01A01N01", "R01A01N01"),
    ("R-A1-N1", "R-A1-N1"),
    ("R\u0661-A1-N1", "R\u0661-A1-N1"),  # an Arabic-Indic digit is not a digit of a code
])
def test_canonical_code(sent, read):
    assert canonical_code(sent) == read


def test_the_field_reads_codes_canonically_and_limits_what_was_sent():
    field = LocationCode(CODE_MAX)

    assert field.deserialize(" r001-b002-n003 ") == "R1-B2-N3"
    assert field.deserialize("r1-a1-n1") == "R1-A1-N1"
    with pytest.raises(ValidationError):
        field.deserialize("R" + "0" * 40 + "1-A1-N1")  # over 32 characters, padding or not
    with pytest.raises(ValidationError):
        field.deserialize("   ")
    with pytest.raises(ValidationError):
        field.deserialize("R1-A1\x00-N1")


def test_a_long_run_of_zeros_is_refused_at_once():
    field = LocationCode(CODE_MAX)
    with pytest.raises(ValidationError):
        field.deserialize("R" + "0" * 500_000 + "-A1-N1")
    assert canonical_code("R" + "0" * 500_000 + "1-A1-N1") == "R1-A1-N1"


@pytest.mark.parametrize("code", ["R1-A1-N1", " r01-a01-n01 ", "r1-a001-n1", "R001-A1-N01"])
def test_getitemsinlocation_finds_padded_lower_case_and_spaced_codes(client, demo, auth, code):
    response = client.get(f"{BASE}/getitemsinlocation?warehouse_id=1"
                          f"&mapped_string={quote(code)}", headers=auth)

    assert response.status_code == 200
    assert response.json["total"] == 3
    assert {p["warehouselocation"]["mapped_string"] for p in response.json["data"]} == {
        "R1-A1-N1"}


def test_a_code_off_the_pattern_is_trimmed_and_upper_cased(app, client, demo, auth):
    with app.app_context():
        db.session.add(WarehouseLocation(warehouse_id=1, rack=9, block=1, level=1, side=1,
                                         mapped_string="PISO-01"))
        db.session.commit()

    response = client.get(f"{BASE}/getitemsinlocation?warehouse_id=1&mapped_string=+piso-01+",
                          headers=auth)
    assert response.status_code == 200
    assert response.json["total"] == 0
    response = client.get(f"{BASE}/getitemsinlocation?warehouse_id=1&mapped_string=PISO-1",
                          headers=auth)
    assert response.status_code == 404  # padding is only read away in the R-A-N pattern


def placed_at(app, sku):
    with app.app_context():
        return sorted(db.session.scalars(
            sa.select(WarehouseLocation.mapped_string)
            .join(Placement, Placement.warehouselocation_id == WarehouseLocation.id)
            .join(Variation, Variation.id == Placement.variation_id)
            .where(Variation.sku == sku)))


def test_locateitemscan_reads_a_padded_lower_case_code(app, client, demo, auth):
    response = client.post(f"{BASE}/locateitemscan", headers=auth,
                           json={"warehouse_id": 1, "sku": "1861705",
                                 "mapped_string": "  r02-b003-n04 "})

    assert response.status_code == 200
    assert placed_at(app, "1861705") == ["R2-B3-N4", "R4-A2-N4"]


def test_moveitemscan_reads_padded_lower_case_codes_at_both_ends(app, client, demo, auth):
    response = client.post(f"{BASE}/moveitemscan", headers=auth, json={
        "warehouse_id_from": 1, "mapped_string_from": " r04-a02-n04",
        "warehouse_id_to": 1, "mapped_string_to": "r001-a002-n001 ", "sku": "1861705"})

    assert response.status_code == 200
    assert placed_at(app, "1861705") == ["R1-A2-N1"]


def test_stored_codes_stay_canonical(app, client, demo, auth):
    client.post("/api/v1/warehouselocations/maplocations?blocks=1&levels=1&sides=2"
                "&warehouse_id=1", headers=auth)

    with app.app_context():
        codes = db.session.scalars(sa.select(WarehouseLocation.mapped_string)).all()
    assert codes and all(canonical_code(code) == code for code in codes)
