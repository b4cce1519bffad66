"""The movements ledger: what it says the placements are (replay), whether the placements agree
(verify), and the history a person reads (newest first, filtered)."""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload, load_only

from wms.extensions import db
from wms.models import Movement, Placement, PlacementCount, Variation, WarehouseLocation


def replay(movements, start=()):
    """The set of (variation id, location id) placements that `movements` (rows or tuples of
    variation_id, from_location_id, to_location_id, in id order) leave, starting from `start`.
    Every kind works the same way: the variation leaves `from` and sits in `to`."""
    placed = set(start)
    for variation_id, source, target in movements:
        if source is not None:
            placed.discard((variation_id, source))
        if target is not None:
            placed.add((variation_id, target))
    return placed


def ledger_rows():
    """Every movement as (variation_id, from_location_id, to_location_id), in id order."""
    return db.session.execute(sa.select(
        Movement.variation_id, Movement.from_location_id, Movement.to_location_id)
        .order_by(Movement.id)).all()


def placements_now():
    return set(db.session.execute(
        sa.select(Placement.variation_id, Placement.warehouselocation_id)).all())


def verify():
    """(missing, extra): placements the ledger says exist but do not, and placements that exist
    but the ledger does not account for. Both empty when they agree."""
    expected, actual = replay(ledger_rows()), placements_now()
    return sorted(expected - actual), sorted(actual - expected)


def miscounted():
    """[(warehouse id, counted, actual)] of the warehouses whose placement_counts disagree with
    their placements (empty when every count is exact)."""
    counted = dict(db.session.execute(
        sa.select(PlacementCount.warehouse_id, sa.func.sum(PlacementCount.placements))
        .group_by(PlacementCount.warehouse_id)).all())
    actual = dict(db.session.execute(
        sa.select(Placement.warehouse_id, sa.func.count(Placement.id))
        .group_by(Placement.warehouse_id)).all())
    return sorted((warehouse, int(counted.get(warehouse) or 0), actual.get(warehouse, 0))
                  for warehouse in counted.keys() | actual.keys()
                  if int(counted.get(warehouse) or 0) != actual.get(warehouse, 0))


def _location_ids(warehouse_id=None, code=None):
    stmt = sa.select(WarehouseLocation.id)
    if warehouse_id is not None:
        stmt = stmt.where(WarehouseLocation.warehouse_id == warehouse_id)
    if code is not None:
        stmt = stmt.where(WarehouseLocation.mapped_string == code)
    return stmt


def _history_filters(sku=None, warehouse_id=None, mapped_string=None, user_id=None,
                     client_id=None, kind=None, since=None, until=None):
    where = []
    if sku is not None:
        where.append(Movement.variation_id == sa.select(Variation.id)
                     .where(Variation.sku == sku).scalar_subquery())
    if warehouse_id is not None or mapped_string is not None:
        places = _location_ids(warehouse_id, mapped_string)
        where.append(sa.or_(Movement.from_location_id.in_(places),
                            Movement.to_location_id.in_(places)))
    for column, value in ((Movement.user_id, user_id), (Movement.client_id, client_id),
                          (Movement.kind, kind)):
        if value is not None:
            where.append(column == value)
    if since is not None:
        where.append(Movement.created_at >= since)
    if until is not None:
        where.append(Movement.created_at <= until)
    return where


def history_query(**filters):
    """(rows, count) statements of the ledger, newest first, with the SKU, both locations, who
    made each change and the undo that reverted it: one statement per page."""
    where = _history_filters(**filters)
    brief_location = load_only(WarehouseLocation.id, WarehouseLocation.mapped_string,
                               WarehouseLocation.warehouse_id)
    rows = (sa.select(Movement).where(*where).order_by(Movement.id.desc()).options(
        joinedload(Movement.variation).load_only(Variation.id, Variation.sku),
        joinedload(Movement.from_location).options(brief_location),
        joinedload(Movement.to_location).options(brief_location),
        joinedload(Movement.user), joinedload(Movement.client),
        joinedload(Movement.undone_by).load_only(Movement.id)))
    return rows, sa.select(sa.func.count(Movement.id)).where(*where)
