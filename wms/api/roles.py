"""GET /api/v1/roles/getall: the roles a user may be given (the 2019 web UI's role picker). Any
valid token may read them (the /api/v1 scope rule: `read`, `write` or all powers)."""
from flask import Blueprint

from wms.api.users import WEB_PAGE_SIZE
from wms.oauth.guard import require_token
from wms.pagination import paginate
from wms.schemas.accounts import RoleSchema
from wms.services.roles import roles_query
from wms.schemas import shape
from wms.openapi import doc
from wms.pagination import PageSchema
from wms.schemas.envelopes import laravel_page

bp = Blueprint("roles", __name__)
bp.before_request(require_token)


@bp.get("/getall")
@doc(query=PageSchema, response=laravel_page(RoleSchema))
def index():
    """Every role, by id, paginated (25 a page unless `per_page` says)."""
    return paginate(*roles_query(), shape(RoleSchema, many=True).dump, per_page=WEB_PAGE_SIZE)
