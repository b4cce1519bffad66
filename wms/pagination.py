"""Laravel's LengthAwarePaginator JSON, for every list route."""
import math
import weakref
from urllib.parse import urlencode

from flask import current_app, request
import sqlalchemy as sa
from marshmallow import EXCLUDE, Schema, ValidationError, validates_schema

from wms.extensions import db
from wms.params import load
from wms.schemas.fields import PositiveInt
from wms.schemas import shape


class PageSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    page = PositiveInt(load_default=1, maximum=10**9)
    per_page = PositiveInt(load_default=None, maximum=10**9)

    @validates_schema
    def per_page_within_max(self, data, **kwargs):
        maximum = current_app.config["PER_PAGE_MAX"]
        if data["per_page"] is not None and data["per_page"] > maximum:
            raise ValidationError(f"Must be at most {maximum}.", "per_page")


def page_url(path, page):
    """`path` with the request's query, its `page` set to `page`."""
    query = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
    query.append(("page", page))
    return f"{path}?{urlencode(query)}"


def fetch_page(stmt, count_stmt, page, per_page, params=None):
    """(rows of page `page`, total): one COUNT and, unless the page is past the end, one page
    query. `stmt` selects the rows (ordered, with its eager loads), `count_stmt` counts them;
    `params` holds the values of their bound parameters, if they have any (a statement built
    once and kept, as the busiest lists' are, saves building it on every request)."""
    params = params or {}
    total = db.session.scalar(count_stmt, params)
    rows = []
    offset = (page - 1) * per_page
    if total and offset < total:
        rows = db.session.scalars(_page_of(stmt), {
            **params, _LIMIT: per_page, _OFFSET: offset}).all()
    return rows, total


# The page statement of each statement still in use (made once for a statement that is kept).
_pages = weakref.WeakKeyDictionary()
_LIMIT, _OFFSET = "page_limit", "page_offset"


def _page_of(stmt):
    """`stmt` cut to one page (bound parameters `page_limit` and `page_offset`). A list of one
    model's rows finds the page's ids first, by their filter and order alone (an index range
    where there is one), and joins its eager loads to those rows only: the rows skipped by
    OFFSET are never joined."""
    page = _pages.get(stmt)
    if page is None:
        limit, offset = (sa.bindparam(name, type_=sa.Integer) for name in (_LIMIT, _OFFSET))
        page = _pages[stmt] = _cut(stmt, limit, offset)
    return page


def _cut(stmt, limit, offset):
    [column] = stmt.column_descriptions
    entity = column["entity"]
    if entity is None or column["expr"] is not entity or stmt._group_by_clauses \
            or stmt._distinct:
        return stmt.limit(limit).offset(offset)
    [key] = sa.inspect(entity).primary_key
    ids = stmt.with_only_columns(key).limit(limit).offset(offset).subquery()
    return stmt.join(ids, key == ids.c[key.key])


def paginate(stmt, count_stmt, dump, per_page=15, params=None):
    """The page the request asks for (`page`, and `per_page`, by default `per_page`) as
    Laravel's paginator; `dump(rows)` turns the page's rows into JSON-ready data; `params`: as
    for fetch_page."""
    args = load(shape(PageSchema))
    page, per_page = args["page"], args["per_page"] or per_page
    rows, total = fetch_page(stmt, count_stmt, page, per_page, params)
    last_page = max(1, math.ceil(total / per_page))
    path = request.base_url
    first = (page - 1) * per_page + 1
    return {
        "current_page": page,
        "data": dump(rows),
        "first_page_url": page_url(path, 1),
        "from": first if rows else None,
        "last_page": last_page,
        "last_page_url": page_url(path, last_page),
        "next_page_url": page_url(path, page + 1) if page < last_page else None,
        "path": path,
        "per_page": per_page,
        "prev_page_url": page_url(path, page - 1) if page > 1 else None,
        "to": first + len(rows) - 1 if rows else None,
        "total": total,
    }
