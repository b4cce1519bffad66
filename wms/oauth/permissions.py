"""Who may do what beyond the warehouse routes: managing users and other people's tokens.

`token` is what the guard accepted: a PresentedToken (wms/access_tokens.py: the token's row with
its client's and user's flags), or the web UI's transient cookie token, which has a user, no
client and no scopes. Scopes only narrow what
a token may do; they never add to what its user (or client) may do.
"""
from wms.errors import ApiError
from wms.oauth.scopes import SCOPES

INVALID_SCOPES = "Invalid scope(s) provided."
UNAUTHORIZED = "This action is unauthorized."


def all_powers(scopes):
    """Passport's rule: a token with no scopes, or `*`, may do all its owner may."""
    return not scopes or "*" in scopes


def may_manage_users(token):
    """An admin user's token whose scopes allow it (`users`, none or `*`); or a token with no
    user (client credentials) whose client was created as an admin client."""
    if token is None:
        return False
    if not (all_powers(token.scopes) or "users" in token.scopes):
        return False
    if token.user_id is not None:
        return bool(token.user_is_admin)
    return bool(token.client_admin)


def may_manage_tokens_of(token, user_id):
    """The user themself, or whoever may manage users."""
    return (token is not None and token.user_id is not None and token.user_id == user_id) \
        or may_manage_users(token)


def may_change_tokens(token):
    """Whether `token` may make, change or revoke tokens and clients: as on /api/v1, changing
    needs more than `read` (`write`, `users`, or all powers). None (a signed-in person) may."""
    if token is None or getattr(token, "transient", False) or all_powers(token.scopes):
        return True
    return bool({"write", "users"} & set(token.scopes))


def require_grantable(token, scopes):
    """403 unless `token` may make a token with `scopes`."""
    if not (may_change_tokens(token) and grantable(token, scopes)):
        raise ApiError(INVALID_SCOPES, 403)


def grantable(token, scopes):
    """Whether `token` may make a token with `scopes` (a list; empty means all powers): never
    more than it has itself. `write` includes `read`. None as `token` is a signed-in person
    (the session cookie): they may grant anything. The web UI's token cookie may grant nothing:
    a short-lived cookie must not turn into a long-lived token."""
    if getattr(token, "transient", False):
        return False
    if token is None or all_powers(token.scopes):
        return True
    if all_powers(scopes):
        return False
    held = set(token.scopes)
    if "write" in held:
        held.add("read")
    return all(name in held and name in SCOPES for name in scopes)
