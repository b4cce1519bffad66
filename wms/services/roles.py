"""Users' roles: the one place that keeps them and `users.is_admin` in agreement.

A user holds the `admin` role exactly when `is_admin` is true, and always holds at least one
role (the 2019 scanner app's menu shows the first one and fails without it). Every change of a
user's roles or of `is_admin` goes through `give_role`, inside the caller's transaction.
"""
import sqlalchemy as sa

from wms.errors import INVALID_PARAMS, ApiError
from wms.models import Role, UserRole

ADMIN_ROLE = "admin"
USER_ROLE = "user"
UNKNOWN_ROLE = "The selected role is invalid."


def default_role_name(is_admin):
    return ADMIN_ROLE if is_admin else USER_ROLE


def _role(session, name, field):
    """The role with this name. The two built-in ones are made when missing (migration 0008
    makes them; a database made otherwise may lack them); another unknown name is a 400 on
    `field`."""
    role = session.scalar(sa.select(Role).where(Role.name == name))
    if role is None:
        if name not in (ADMIN_ROLE, USER_ROLE):
            raise ApiError(INVALID_PARAMS, 400, {field: [UNKNOWN_ROLE]})
        role = Role(name=name, guard_name="api")
        session.add(role)
        session.flush()
    return role


def give_role(session, user, name=None, *, field="role"):
    """Make `name` the user's only role (None: the one its is_admin says), and is_admin agree
    with it. A user that already holds exactly that role is left alone."""
    role = _role(session, name or default_role_name(user.is_admin), field)
    user.is_admin = role.name == ADMIN_ROLE
    if [link.role_id for link in user.role_links] != [role.id]:
        user.role_links = [UserRole(role=role)]
    return role


def roles_query():
    """(rows, count) statements of every role, by id: for wms.pagination.paginate."""
    return sa.select(Role).order_by(Role.id), sa.select(sa.func.count(Role.id))
