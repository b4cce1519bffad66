"""Replay-safe scans for the locationvariation POST routes: the Idempotency-Key header (or a
`scan_id` parameter) and offline batches (README "For scanner-app developers")."""
import re

from flask import current_app, request
from marshmallow import ValidationError

from wms.errors import INVALID_PARAMS, ApiError, Conflict
from wms.oauth.guard import current_actor
from wms.params import request_params
from wms.schemas.inventory import error_body
from wms.services import idempotency

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
# Visible ASCII, as in HTTP header values; a UUID or a scanner's own counter fits.
_KEY = re.compile(r"[\x21-\x7e]{1,255}")
KEY_FORMAT = "Must be 1 to 255 visible ASCII characters."


def check_key(value, name):
    """A client's idempotency key (a string, or a number a scanner sent bare), or a 400."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not _KEY.fullmatch(value):
        raise ApiError(INVALID_PARAMS, 400, {name: [KEY_FORMAT]})
    return value


def request_key():
    """The request's idempotency key: the header, else the `scan_id` parameter, else None."""
    if HEADER in request.headers:
        return check_key(request.headers[HEADER], HEADER)
    value = request_params().get("scan_id")
    return None if value is None else check_key(value, "scan_id")


def _ttl():
    return current_app.config["IDEMPOTENCY_TTL"]


def respond(action, data, write, render):
    """A view's answer to a write: `render(write())` gives (status, body). With an idempotency
    key the answer is stored with the write, and a repeat gets it back (with the header
    Idempotent-Replayed: true) and writes nothing."""
    key = request_key()
    if key is None:
        status, body = render(write())
        return body, status
    answer = idempotency.answer_once(
        owner=idempotency.owner_of(current_actor()), key=key,
        digest=idempotency.fingerprint(action, data), ttl=_ttl(), write=write, render=render)
    return _reply(answer)


def _reply(answer):
    headers = {REPLAYED: "true"} if answer.replayed else {}
    return answer.body, answer.status, headers


def run_batch(scans, actions, fingerprint_of):
    """Apply scans in order, each in its own transaction and replay-safe by its `scan_id`.

    `actions` maps an action name to (schema, write(data), render(result)); the batch never
    stops at a bad scan. With an Idempotency-Key header, the whole answer is kept too.
    """
    owner = idempotency.owner_of(current_actor())
    batch_key = request_key() if HEADER in request.headers else None
    digest = fingerprint_of(scans)
    if batch_key is not None:
        stored = idempotency.stored_answer(owner=owner, key=batch_key, digest=digest)
        if stored is not None:
            return _reply(stored)
    answer = idempotency.Answer(200, {"results": [_scan(scan, actions, owner) for scan in scans]})
    if batch_key is not None:
        answer = idempotency.remember(owner=owner, key=batch_key, digest=digest, ttl=_ttl(),
                                      answer=answer)
    return _reply(answer)


def _scan(scan, actions, owner):
    if not isinstance(scan, dict):
        return {"scan_id": None, "action": None, "status": "rejected",
                "error": {"message": INVALID_PARAMS, "errors": {"scan": ["Must be an object."]}}}
    result = {"scan_id": scan.get("scan_id"), "action": scan.get("action")}
    try:
        key = check_key(scan.get("scan_id"), "scan_id")
        if scan.get("action") not in actions:
            raise ApiError(INVALID_PARAMS, 400, {"action": [
                f"Must be one of: {', '.join(actions)}."]})
        schema, write, render = actions[scan["action"]]
        try:
            data = schema.load(scan)
        except ValidationError as e:
            raise ApiError(INVALID_PARAMS, 400, e.messages)
        answer = idempotency.answer_once(
            owner=owner, key=key, digest=idempotency.fingerprint("batch", scan["action"], data),
            ttl=_ttl(), write=lambda: write(data), render=render)
    except Conflict as e:
        return {**result, "status": "conflict", **_error(e)}
    except ApiError as e:  # a bad scan, or a key reused for another scan (409)
        status = "conflict" if e.status_code == 409 else "rejected"
        return {**result, "status": status, **_error(e)}
    return {**result, "status": "replayed" if answer.replayed else "applied", **answer.body}


def _error(e):
    body = error_body(e)
    current = body.pop("current", None)
    return {"error": body, "current": current} if current is not None else {"error": body}
