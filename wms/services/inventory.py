"""Placing SKUs in locations and moving them, each change written to the movements ledger."""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from wms.errors import ApiError
from wms.extensions import db
from wms.models import (Movement, Placement, Product, Variation, Warehouse,
                        WarehouseLocation)
from wms.services import in_transaction
from wms.services.warehouses import find_location

SKU_MISSING = "No se encontro el SKU a ubicar."
SOURCE_MISSING = "No se encontro la ubicacion inicial."
TARGET_MISSING = "No se encontro la ubicacion destino."
NOT_AT_SOURCE = "El item no se encontraba ubicado ahi."


def find_variation(sku):
    variation = db.session.scalar(sa.select(Variation).where(Variation.sku == sku))
    if variation is None:
        raise ApiError(SKU_MISSING, 404)
    return variation


def _placement(location_id, variation_id, lock=False):
    stmt = sa.select(Placement).where(Placement.warehouselocation_id == location_id,
                                      Placement.variation_id == variation_id)
    return db.session.scalar(stmt.with_for_update() if lock else stmt)


def locate(*, warehouse_id, sku, actor, mapped_string=None, location_id=None):
    """Place a SKU in a location. Where it already sits, nothing is written (safe to re-send)."""
    def place():
        location = find_location(warehouse_id, mapped_string, location_id, TARGET_MISSING)
        variation = find_variation(sku)
        placement = _placement(location.id, variation.id)
        if placement is not None:
            return placement
        placement = Placement(warehouselocation_id=location.id, variation_id=variation.id,
                              user_id=actor.user_id)
        db.session.add(placement)
        db.session.add(Movement(kind="locate", variation_id=variation.id,
                                to_location_id=location.id, user_id=actor.user_id,
                                client_id=actor.client_id))
        db.session.flush()
        return placement

    return in_transaction(place)


def move(*, sku, source, target, actor):
    """Move a SKU from one location to another; onto a location that holds it, the two merge.

    `source` and `target` are dicts of `warehouse_id` and `code` (the `mapped_string`) or
    `location_id`: the keyword arguments of `find_location`.
    """
    def relocate():
        src = find_location(missing=SOURCE_MISSING, **source)
        dst = find_location(missing=TARGET_MISSING, **target)
        variation = find_variation(sku)
        placement = _placement(src.id, variation.id, lock=True)
        if placement is None:
            raise ApiError(NOT_AT_SOURCE, 404)
        if src.id == dst.id:
            return placement
        merged_into = _placement(dst.id, variation.id, lock=True)
        if merged_into is not None:
            db.session.delete(placement)
        else:
            placement.warehouselocation_id = dst.id
            placement.user_id = actor.user_id
        db.session.add(Movement(kind="move", variation_id=variation.id, from_location_id=src.id,
                                to_location_id=dst.id, user_id=actor.user_id,
                                client_id=actor.client_id))
        db.session.flush()
        return merged_into or placement

    return in_transaction(relocate)


def _with_variation(stmt):
    return stmt.options(
        joinedload(Placement.variation).joinedload(Variation.product)
        .selectinload(Product.images))


def _filters(warehouse_id, sku):
    where = []
    if warehouse_id:
        where.append(Placement.warehouselocation_id.in_(
            sa.select(WarehouseLocation.id).where(WarehouseLocation.warehouse_id == warehouse_id)))
    if sku:
        where.append(Placement.variation_id == sa.select(Variation.id)
                     .where(Variation.sku == sku).scalar_subquery())
    return where


def placements_query(warehouse_id=None, sku=None):
    """(rows, count) statements of placements with their variation, images and location."""
    where = _filters(warehouse_id, sku)
    rows = _with_variation(sa.select(Placement)).options(
        joinedload(Placement.warehouselocation).joinedload(WarehouseLocation.warehouse)
        .joinedload(Warehouse.store)).where(*where).order_by(Placement.id)
    return rows, sa.select(sa.func.count(Placement.id)).where(*where)


def location_items_query(location_id):
    """(rows, count) statements of the placements of one location."""
    where = Placement.warehouselocation_id == location_id
    rows = _with_variation(sa.select(Placement)).options(
        joinedload(Placement.warehouselocation)).where(where).order_by(Placement.id)
    return rows, sa.select(sa.func.count(Placement.id)).where(where)
