"""/oauth routes where a signed-in user manages the clients they made and the tokens they gave
to third-party clients (Passport's ClientController and AuthorizedAccessTokenController)."""
from flask import Blueprint

from wms.oauth.guard import current_user, require_user
from wms.params import load
from wms.schemas.oauth import (ClientSchema, ClientUpdateSchema, NewClientSchema, TokenSchema,
                               created_client)
from wms.services import clients, tokens
from wms.schemas import shape
from wms.openapi import Many, doc
from wms.schemas.oauth import CreatedClientSchema

bp = Blueprint("clients", __name__)
bp.before_request(require_user)


@bp.get("/clients")
@doc(response=Many(ClientSchema))
def client_index():
    """The user's active clients, by name; never a secret."""
    return shape(ClientSchema, many=True).dump(clients.active_clients_for_user(current_user().id))


@bp.post("/clients")
@doc(body=NewClientSchema, response=CreatedClientSchema, status=201, errors=[419])
def client_store():
    """A new client of the user; its plain secret is in this response only."""
    data = load(shape(NewClientSchema))
    client, secret = clients.create_user_client(user_id=current_user().id, **data)
    return created_client(client, secret), 201


@bp.put("/clients/<client_id>")
@doc(body=ClientUpdateSchema, response=ClientSchema, errors=[404, 419])
def client_update(client_id):
    client = clients.find_user_client(current_user().id, client_id)
    data = load(shape(ClientUpdateSchema))
    return shape(ClientSchema).dump(clients.update_client(client, **data))


@bp.delete("/clients/<client_id>")
@doc(status=204, errors=[404, 419])
def client_destroy(client_id):
    """Revoke the client and every token issued to it."""
    clients.revoke_client(clients.find_user_client(current_user().id, client_id))
    return "", 204


@bp.get("/tokens")
@doc(response=Many(TokenSchema))
def token_index():
    """The user's live tokens for clients that are not personal access clients, newest first,
    each with its client."""
    return shape(TokenSchema, many=True).dump(tokens.tokens_for_user(current_user().id))


@bp.delete("/tokens/<token_id>")
@doc(status=204, errors=[404, 419])
def token_destroy(token_id):
    tokens.revoke_user_token(current_user().id, token_id)
    return "", 204
