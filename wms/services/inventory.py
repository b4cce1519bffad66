"""Placing SKUs in locations, moving, removing and undoing them: the only writers of placements.
Each change is written to the movements ledger in the same transaction (wms/services/ledger.py
replays it), and correctness under concurrent scanners comes from the database: the unique
(location, variation) pair, row locks, one undo per movement; a writer that loses is run again
(`in_transaction`) and then sees what the winner wrote."""
import functools
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from wms.errors import ApiError, Conflict
from wms.extensions import db
from wms.models import (Movement, Placement, PlacementCount, Product, Variation, Warehouse,
                        WarehouseLocation)
from wms.models.base import utcnow
from wms.services import given, in_transaction
from wms.services.warehouses import find_location, location_missing, location_select

SKU_MISSING = "No se encontro el SKU a ubicar."
SOURCE_MISSING = "No se encontro la ubicacion inicial."
TARGET_MISSING = "No se encontro la ubicacion destino."
NOT_AT_SOURCE = "El item no se encontraba ubicado ahi."
TARGET_INACTIVE = "La ubicacion destino esta fuera de servicio."
REMOVE_SKU_MISSING = "No se encontro el SKU a remover de ubicacion."
NOT_THERE = "El producto a eliminar no se encontro en la ubicacion."
STYLE_NOT_THERE = "No se encontró el estilo en la ubicacion."
LOOKUP_SKU_MISSING = "No se encontro el SKU."
MOVEMENT_MISSING = "El movimiento no existe."
ALREADY_UNDONE = "El movimiento ya fue deshecho."
UNDO_OF_UNDO = "Un movimiento que deshace otro no se puede deshacer."
CHANGED_SINCE = "La ubicacion cambio despues de ese movimiento: no se puede deshacer."


# --- Lookups ---------------------------------------------------------------------------------

def find_variation(sku, missing=SKU_MISSING):
    variation = db.session.scalar(sa.select(Variation).where(Variation.sku == sku))
    if variation is None:
        raise ApiError(missing, 404)
    return variation


def find_style(code):
    """The product whose `internal_reference` (its style code) is `code`, or None."""
    return db.session.scalar(sa.select(Product).where(Product.internal_reference == code))


def _placement(location_id, variation_id, lock=False):
    return db.session.scalar(_placement_statement(lock), {
        "location_id": location_id, "variation_id": variation_id})


@functools.cache
def _placement_statement(lock):
    stmt = sa.select(Placement).where(
        Placement.warehouselocation_id == sa.bindparam("location_id"),
        Placement.variation_id == sa.bindparam("variation_id"))
    return _locked(stmt) if lock else stmt


def _locked(stmt, **of):
    """`stmt` locking its rows, and loading them as they are once locked: a row this
    transaction read before (unlocked, e.g. at a move's target) may have changed since, even
    moved here, and the session would otherwise hand back that earlier copy."""
    return stmt.with_for_update(**of).execution_options(populate_existing=True)


def _location_with_sku(sku, missing, *, share=False, warehouse_id=None, code=None,
                       location_id=None):
    """(location, the variation of `sku` or None, its placement at the location or None), in
    one statement: the location as find_location finds it (404 `missing` if none; `share` locks
    its row), the variation with its product."""
    location, params = location_select(warehouse_id, code, location_id, share)
    row = db.session.execute(_with_sku_statement(location), {**params, "sku": sku}).first()
    if row is None:
        location_missing(warehouse_id, missing)
    return row


@functools.cache
def _with_sku_statement(location):
    """`location` (a kept statement of location_select) with the variation of the SKU
    `sku` and its placement there."""
    joined = (sa.outerjoin(WarehouseLocation, Variation, Variation.sku == sa.bindparam("sku"))
              .outerjoin(Placement, sa.and_(Placement.warehouselocation_id == WarehouseLocation.id,
                                            Placement.variation_id == Variation.id)))
    return (location.add_columns(Variation, Placement).select_from(joined)
            .options(joinedload(Variation.product)))


def _active(location):
    if not location.active:
        raise Conflict(TARGET_INACTIVE, 409)
    return location


def _locations_by_variation(variation_ids):
    """{variation id: [its placements' locations with warehouse]}, in one statement."""
    rows = db.session.execute(
        sa.select(Placement.id, Placement.variation_id, Placement.updated_at, WarehouseLocation,
                  Warehouse.id, Warehouse.name)
        .join(WarehouseLocation, Placement.warehouselocation_id == WarehouseLocation.id)
        .join(Warehouse, WarehouseLocation.warehouse_id == Warehouse.id)
        .where(Placement.variation_id.in_(variation_ids))
        .order_by(Placement.variation_id, Warehouse.id, WarehouseLocation.mapped_string))
    found = {variation_id: [] for variation_id in variation_ids}
    for placement_id, variation_id, updated_at, location, warehouse_id, name in rows:
        found[variation_id].append({
            "placement_id": placement_id, "warehouselocation_id": location.id,
            "mapped_string": location.mapped_string, "active": location.active,
            "warehouse": {"id": warehouse_id, "name": name}, "updated_at": updated_at})
    return found


def where_is(variation):
    """Where a variation sits now: the `current` state of a conflict."""
    return {"sku": variation.sku, "variation_id": variation.id,
            "locations": _locations_by_variation([variation.id])[variation.id]}


def locations_of_skus(skus):
    """Every location of each SKU, in the order asked (two statements); 404 naming the SKUs
    that do not exist."""
    variations = {v.sku: v for v in db.session.scalars(
        sa.select(Variation).options(joinedload(Variation.product))
        .where(Variation.sku.in_(skus)))}
    missing = [sku for sku in skus if sku not in variations]
    if missing:
        raise ApiError(LOOKUP_SKU_MISSING, 404, {"sku": missing})
    located = _locations_by_variation([v.id for v in variations.values()])
    return [{"variation": variations[sku], "locations": located[variations[sku].id]}
            for sku in dict.fromkeys(skus)]


# --- The ledger --------------------------------------------------------------------------------

def _record(kind, variation_id, actor, source=None, target=None, **extra):
    """Write the movement of a placement change the caller has made in the session.

    The change goes to the database first: its statements take the row locks and the unique
    (location, variation) entries it needs, waiting for any concurrent writer of the same
    placement to commit. Only then does the movement take its id, so a writer that waited is
    numbered after the one it waited for, and the ledger's id order (the only order replay
    has) is the order in which the changes were made.
    """
    db.session.flush()
    db.session.add(Movement(kind=kind, variation_id=variation_id, from_location_id=source,
                            to_location_id=target, user_id=actor.user_id,
                            client_id=actor.client_id, **extra))


# --- Writes ----------------------------------------------------------------------------------

@dataclass
class Located:
    """What a locate placed: `variations` (the scanned one, or every variation of its product
    with `siblings` or a style code) and their `placements` at the location, new or found
    there; `already` when it was one SKU that was there before (nothing written)."""

    product: Product
    variations: list
    placements: list
    already: bool = False

    @property
    def placement(self):
        """The placement of the scanned SKU (of the product's first variation, for a style)."""
        return self.placements[0]


def locate(*, warehouse_id, sku, actor, mapped_string=None, location_id=None, siblings=False,
           scanned_at=None):
    """Place a SKU in a location; with `siblings`, or when `sku` is a style code (a product's
    internal_reference that is no SKU), every variation of its product. What already sits
    there is left as it is: nothing is written for it (safe to re-send)."""
    def place():
        location, variation, there = _location_with_sku(
            sku, TARGET_MISSING, share=True, warehouse_id=warehouse_id, code=mapped_string,
            location_id=location_id)
        _active(location)
        product = find_style(sku) if variation is None else variation.product
        if product is None:
            raise ApiError(SKU_MISSING, 404)
        if variation is not None and not siblings:
            if there is not None:
                return Located(product, [variation], [there], already=True)
            return Located(product, [variation],
                           [_add_placement(location, variation, actor, scanned_at)])
        variations = sorted(product.variations,
                            key=lambda v: (variation is None or v.id != variation.id, v.id))
        placements = [_place(location, v, actor, scanned_at)[0] for v in variations]
        return Located(product, variations, placements)

    return in_transaction(place)


def _place(location, variation, actor, scanned_at):
    """(placement, whether it is new)."""
    placement = _placement(location.id, variation.id)
    if placement is not None:
        return placement, False
    return _add_placement(location, variation, actor, scanned_at), True


def _add_placement(location, variation, actor, scanned_at):
    """A new placement, with its `locate` movement."""
    placement = Placement(warehouselocation_id=location.id, variation_id=variation.id,
                          user_id=actor.user_id)
    db.session.add(placement)
    _record("locate", variation.id, actor, target=location.id, scanned_at=scanned_at)
    db.session.flush()
    return placement


def move(*, sku, source, target, actor, scanned_at=None):
    """Move a SKU from one location to another; onto a location that holds it, the two merge.

    `source` and `target` are dicts of `warehouse_id` and `code` (the `mapped_string`) or
    `location_id`: the keyword arguments of `find_location`.
    """
    def relocate():
        src = find_location(missing=SOURCE_MISSING, **source)
        dst, variation, _there = _location_with_sku(sku, TARGET_MISSING, share=True, **target)
        if variation is None:
            raise ApiError(SKU_MISSING, 404)
        placement = _placement(src.id, variation.id, lock=True)
        if placement is None:
            raise Conflict(NOT_AT_SOURCE, 404, current=where_is(variation))
        if src.id == dst.id:
            return placement
        _active(dst)
        merged_into = _placement(dst.id, variation.id, lock=True)
        if merged_into is not None:
            db.session.delete(placement)
        else:
            placement.warehouselocation_id = dst.id
            placement.user_id = actor.user_id
        _record("move", variation.id, actor, source=src.id, target=dst.id,
                merged=merged_into is not None, scanned_at=scanned_at)
        db.session.flush()
        return merged_into or placement

    return in_transaction(relocate)


@dataclass
class Removal:
    """What a removal ended: the placements (no longer in the database) of one product at one
    location; `variation` is the scanned one when a single SKU was removed."""

    product_id: int
    placements: list = field(default_factory=list)
    variation: Variation | None = None


def remove(*, code, actor, warehouse_id=None, mapped_string=None, location_id=None,
           siblings=False, scanned_at=None):
    """End placements at one location: the SKU's (`code` is a SKU), every variation of its
    product (`siblings`), or every variation of a style (`code` is a product's
    internal_reference and no SKU)."""
    def take_out():
        location = find_location(warehouse_id, mapped_string, location_id)
        variation = db.session.scalar(sa.select(Variation).where(Variation.sku == code))
        product = find_style(code) if variation is None else None
        if variation is None and product is None:
            raise ApiError(REMOVE_SKU_MISSING, 404)
        if variation is not None and not siblings:
            placement = _placement(location.id, variation.id, lock=True)
            if placement is None:
                raise Conflict(NOT_THERE, 404, current=where_is(variation))
            removal = Removal(variation.product_id, [placement], variation)
        else:
            product_id = variation.product_id if variation is not None else product.id
            placements = db.session.scalars(_locked(
                sa.select(Placement).join(Variation, Placement.variation_id == Variation.id)
                .where(Placement.warehouselocation_id == location.id,
                       Variation.product_id == product_id)
                .order_by(Placement.id), of=Placement)).all()
            if not placements:
                raise Conflict(NOT_THERE if variation is not None else STYLE_NOT_THERE, 404)
            removal = Removal(product_id, placements)
        for placement in removal.placements:
            db.session.delete(placement)
            _record("remove", placement.variation_id, actor, source=location.id,
                    scanned_at=scanned_at)
        db.session.flush()
        return removal

    return in_transaction(take_out)


def undo(*, movement_id, actor):
    """Write the compensating movement of `movement_id` and restore the placement it changed.

    Only while nothing has changed the variation at the movement's locations since: otherwise,
    or for an undo, or a second undo, 409 with where the SKU sits now and nothing written. Two
    undos of one movement at once meet at the unique `undo_of`; an undo and a later scan of the
    same placement meet at its row lock or its unique (location, variation) pair.
    """
    def revert():
        original = db.session.get(Movement, movement_id)
        if original is None:
            raise ApiError(MOVEMENT_MISSING, 404)
        variation = db.session.get(Variation, original.variation_id)
        if original.kind == "undo":
            raise Conflict(UNDO_OF_UNDO, current=where_is(variation))
        source, target = original.from_location_id, original.to_location_id
        at_source = _placement(source, variation.id, lock=True) if source else None
        at_target = _placement(target, variation.id, lock=True) if target else None
        if db.session.scalar(sa.select(Movement.id).where(Movement.undo_of == original.id)):
            raise Conflict(ALREADY_UNDONE, current=where_is(variation))
        touched = [loc for loc in (source, target) if loc is not None]
        later = db.session.scalar(sa.select(Movement.id).where(
            Movement.id > original.id, Movement.variation_id == variation.id,
            sa.or_(Movement.from_location_id.in_(touched), Movement.to_location_id.in_(touched)))
            .limit(1))
        holds = (at_target is not None if target else True) and (
            at_source is None if source else True)
        if later is not None or not holds:
            raise Conflict(CHANGED_SINCE, current=where_is(variation))
        _compensate(original, variation, at_target, actor)
        db.session.flush()
        return db.session.scalar(sa.select(Movement).where(Movement.undo_of == original.id))

    return in_transaction(revert)


def _compensate(original, variation, at_target, actor):
    """Put back what `original` changed; its undo movement says exactly what that was."""
    source, target = original.from_location_id, original.to_location_id
    if target is None:  # a removal: the placement comes back
        db.session.add(Placement(warehouselocation_id=source, variation_id=variation.id,
                                 user_id=actor.user_id))
        back_from, back_to = None, source
    elif source is None:  # a locate or import: the placement ends
        db.session.delete(at_target)
        back_from, back_to = target, None
    elif original.merged:  # the destination held it before: only the source comes back
        db.session.add(Placement(warehouselocation_id=source, variation_id=variation.id,
                                 user_id=actor.user_id))
        back_from, back_to = None, source
    else:
        at_target.warehouselocation_id = source
        at_target.user_id = actor.user_id
        back_from, back_to = target, source
    _record("undo", variation.id, actor, source=back_from, target=back_to, undo_of=original.id)


def place_all(pairs, *, actor, kind="import", at=None):
    """Place many (variation id, location id) pairs at once, each with its ledger row: for
    bulk loads (the demo data, imports), in the caller's transaction or one of its own. The
    pairs must be new placements."""
    def insert():
        moment = at or utcnow()
        rows = list(pairs)
        for start in range(0, len(rows), 5000):
            chunk = rows[start:start + 5000]
            warehouse_of = dict(db.session.execute(
                sa.select(WarehouseLocation.id, WarehouseLocation.warehouse_id)
                .where(WarehouseLocation.id.in_({loc for _, loc in chunk}))).all())
            db.session.execute(sa.insert(Placement), [
                {"variation_id": v, "warehouselocation_id": loc, "warehouse_id": warehouse_of[loc],
                 "user_id": actor.user_id, "created_at": moment, "updated_at": moment}
                for v, loc in chunk])
            db.session.execute(sa.insert(Movement), [
                {"kind": kind, "variation_id": v, "to_location_id": loc,
                 "user_id": actor.user_id, "client_id": actor.client_id,
                 "created_at": moment, "merged": False} for v, loc in chunk])
        return len(rows)

    return in_transaction(insert)


def place_selected(select, columns, *, kind="import"):
    """Place the rows of `select` (an INSERT ... SELECT into the placements' `columns`, which
    name at least warehouselocation_id and variation_id), each with its ledger row, in the
    caller's transaction: for bulk loads too large to pass as pairs (`wms demo --scale
    large`). The movements are those of the placements above the highest id before."""
    before = db.session.scalar(sa.select(sa.func.max(Placement.id))) or 0
    rows = select.with_only_columns(
        *(column.label(name) for column, name in zip(select.selected_columns, columns)),
        maintain_column_froms=True).subquery()
    db.session.execute(sa.insert(Placement).from_select(
        [*columns, "warehouse_id"],
        sa.select(*rows.c, WarehouseLocation.warehouse_id)
        .join_from(rows, WarehouseLocation, WarehouseLocation.id == rows.c.warehouselocation_id)))
    db.session.execute(sa.insert(Movement).from_select(
        ["kind", "variation_id", "to_location_id", "created_at", "merged"],
        sa.select(sa.literal(kind), Placement.variation_id, Placement.warehouselocation_id,
                  Placement.created_at, sa.false())
        .where(Placement.id > before).order_by(Placement.id)))


# --- Lists -----------------------------------------------------------------------------------

def _with_variation(stmt):
    return stmt.options(
        joinedload(Placement.variation).joinedload(Variation.product)
        .selectinload(Product.images))


def _filters(warehouse_id, sku):
    where = []
    if warehouse_id is not None:
        where.append(Placement.warehouse_id == warehouse_id)
    if sku is not None:
        where.append(Placement.variation_id == sa.select(Variation.id)
                     .where(Variation.sku == sku).scalar_subquery())
    return where


def placements_query(warehouse_id=None, sku=None):
    """(rows, count, params): statements of placements with their variation, images and
    location, and their parameters' values. The placements of a warehouse, or of all of them,
    are counted by placement_counts."""
    rows, count = _placements_statements(warehouse_id is not None, sku is not None)
    return rows, count, given(warehouse_id=warehouse_id, sku=sku)


@functools.cache
def _placements_statements(by_warehouse, by_sku):
    """Made once for each kind of filter, with bound parameters for its values."""
    warehouse_id = sa.bindparam("warehouse_id") if by_warehouse else None
    where = _filters(warehouse_id, sa.bindparam("sku") if by_sku else None)
    rows = _with_variation(sa.select(Placement)).options(
        joinedload(Placement.warehouselocation).joinedload(WarehouseLocation.warehouse)
        .joinedload(Warehouse.store)).where(*where).order_by(Placement.id)
    if by_sku:
        return rows, sa.select(sa.func.count(Placement.id)).where(*where)
    return rows, placement_count(warehouse_id)


def placement_count(warehouse_id=None):
    """The number of placements of warehouse `warehouse_id` (a value or a bound parameter; of
    every warehouse if None), as a statement: a sum of at most COUNT_SLOTS rows per
    warehouse."""
    stmt = sa.select(sa.cast(sa.func.coalesce(sa.func.sum(PlacementCount.placements), 0),
                             sa.Integer))
    if warehouse_id is not None:
        stmt = stmt.where(PlacementCount.warehouse_id == warehouse_id)
    return stmt


def location_items_query(location_id):
    """(rows, count, params): statements of the placements of one location, and their
    parameters' values."""
    rows, count = _location_items_statements()
    return rows, count, {"location_id": location_id}


@functools.cache
def _location_items_statements():
    where = Placement.warehouselocation_id == sa.bindparam("location_id")
    rows = _with_variation(sa.select(Placement)).options(
        joinedload(Placement.warehouselocation)).where(where).order_by(Placement.id)
    return rows, sa.select(sa.func.count(Placement.id)).where(where)
