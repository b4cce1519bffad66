"""Replay-safe writes: the first answer to a request sent with an idempotency key is stored, in
the transaction of the write it answers, and a repeat of the request gets it back without
writing anything. Keys belong to their owner (a client, or a user without one) and live for
IDEMPOTENCY_TTL seconds."""
import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from wms.errors import ApiError
from wms.extensions import db
from wms.models import IdempotencyKey
from wms.models.base import utcnow
from wms.services import in_transaction, unit_of_work

KEY_REUSED = ("Esta clave de idempotencia ya se uso con otros parametros: use una clave nueva "
              "para cada operacion.")


@dataclass(frozen=True)
class Answer:
    status: int
    body: object
    replayed: bool = False


def owner_of(actor):
    """Whose keys a request uses: its client's, or its user's when it has no client."""
    if actor.client_id is not None:
        return f"client:{actor.client_id}"
    return f"user:{actor.user_id}"


def fingerprint(*parts):
    """SHA-256 of what a request asks, so that a key reused for another request is told apart."""
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _stored(owner, key, digest, now):
    """The live stored answer of (owner, key), or None; a 409 if it answered other parameters.
    An expired row is deleted, so that the key may be used again."""
    row = db.session.scalar(sa.select(IdempotencyKey).where(
        IdempotencyKey.owner == owner, IdempotencyKey.key == key))
    if row is None:
        return None
    if row.expires_at <= now:
        db.session.delete(row)
        db.session.flush()
        return None
    if row.fingerprint != digest:
        raise ApiError(KEY_REUSED, 409)
    return Answer(row.status_code, json.loads(row.body), replayed=True)


def _remember(owner, key, digest, answer, now, ttl):
    row = IdempotencyKey(owner=owner, key=key, fingerprint=digest, status_code=answer.status,
                         body=json.dumps(answer.body), created_at=now,
                         expires_at=now + timedelta(seconds=ttl))
    db.session.add(row)
    db.session.flush()
    return row


def answer_once(*, owner, key, digest, ttl, write, render):
    """`render(write())` as an Answer, the first time; the stored Answer (replayed) after.

    The key's row is written first, so it holds the key for this transaction: a request with
    the same key at once waits at the unique (owner, key) until this one ends, then (rolled
    back and run again by in_transaction) replays this answer, or, if this one failed and
    stored nothing, does the work itself. `write` runs in this transaction (its own
    in_transaction joins it) and `render(result)` gives (status, body) inside it too, so the
    answer is stored with the write or not at all.
    """
    def operation():
        now = utcnow()
        stored = _stored(owner, key, digest, now)
        if stored is not None:
            return stored
        claim = _remember(owner, key, digest, Answer(0, None), now, ttl)
        status, body = render(write())
        claim.status_code, claim.body = status, json.dumps(body)
        db.session.flush()
        return Answer(status, body)

    return in_transaction(operation)


def stored_answer(*, owner, key, digest):
    """The stored answer of a key (for a batch, whose scans commit one by one), or None."""
    with unit_of_work():
        return _stored(owner, key, digest, utcnow())


def remember(*, owner, key, digest, ttl, answer):
    """Store a batch's answer after its scans, and return the answer the key gives: this one,
    or, when a copy of the batch sent at once stored its answer first, that one (replayed), so
    that the two callers get one answer as for any other key. (A batch's scans commit one by
    one: its key cannot be held for the whole batch as `answer_once` holds a request's.)"""
    try:
        with unit_of_work():
            _remember(owner, key, digest, answer, utcnow(), ttl)
        return answer
    except IntegrityError:
        pass
    with unit_of_work():
        row = db.session.scalar(sa.select(IdempotencyKey).where(
            IdempotencyKey.owner == owner, IdempotencyKey.key == key,
            IdempotencyKey.fingerprint == digest))
        # Another batch that took the key meanwhile: this batch's own answer is the true one.
        return answer if row is None else Answer(row.status_code, json.loads(row.body),
                                                 replayed=True)


def purge(now=None):
    """Delete the keys past their time; returns how many."""
    with unit_of_work():
        result = db.session.execute(sa.delete(IdempotencyKey).where(
            IdempotencyKey.expires_at <= (now or utcnow())))
        return result.rowcount
