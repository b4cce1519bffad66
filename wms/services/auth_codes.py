"""Authorization codes: saved when a user approves a client, found when the client exchanges
one. Only the SHA-256 of a code is stored; the code itself goes to the client once."""
import hashlib
from datetime import timedelta

from flask import current_app

from wms.extensions import db
from wms.models import AuthCode
from wms.models.base import utcnow
from wms.services import unit_of_work

CODE_MAX = 200  # ours are 48 characters; anything much longer is not one of them


def code_id(value):
    return hashlib.sha256(value.encode()).hexdigest()


def save_code(value, *, client, user_id, scopes, redirect_uri, code_challenge,
              code_challenge_method):
    """Store a new code, good for AUTH_CODE_LIFETIME seconds."""
    row = AuthCode(id=code_id(value), user_id=user_id, client_id=client.id, scopes=list(scopes),
                   revoked=False, redirect_uri=redirect_uri, code_challenge=code_challenge,
                   code_challenge_method=code_challenge_method,
                   expires_at=utcnow() + timedelta(
                       seconds=current_app.config["AUTH_CODE_LIFETIME"]))
    with unit_of_work() as session:
        session.add(row)
    return row


def find_code(value):
    """The code with this value (used or not, expired or not), or None."""
    if not isinstance(value, str) or len(value) > CODE_MAX:
        return None
    return db.session.get(AuthCode, code_id(value))
