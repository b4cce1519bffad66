"""`flask oauth purge`: deletes the rows of revoked and expired access tokens, keeps the rest."""
import json
from datetime import timedelta

import sqlalchemy as sa

from wms.extensions import db
from wms.models import AccessToken, RefreshToken
from wms.models.base import utcnow
from wms.services.tokens import issue_access_token, purge_tokens

API_URL = "/api/v1/warehouses/getall"


def issue_rows(app, oauth_client, **states):
    """One token per name: "active", "revoked", "expired", ... -> {name: (jwt, jti)}."""
    client_row, _ = oauth_client
    tokens = {}
    with app.app_context():
        for name, values in states.items():
            jwt, row = issue_access_token(client=client_row, user_id=None, scopes=["read"],
                                          lifetime=3600)
            if values:
                db.session.execute(sa.update(AccessToken).where(AccessToken.id == row.id)
                                   .values(**values))
            tokens[name] = (jwt, row.id)
        db.session.commit()
    return tokens


def stored_ids(app):
    with app.app_context():
        return set(db.session.scalars(sa.select(AccessToken.id)))


def mixed_tokens(app, oauth_client):
    now = utcnow()
    return issue_rows(
        app, oauth_client,
        active={},
        active_too={},
        never_expires={"expires_at": None},
        revoked={"revoked": True},
        revoked_and_expired={"revoked": True, "expires_at": now - timedelta(days=1)},
        expired={"expires_at": now - timedelta(seconds=1)},
        long_expired={"expires_at": now - timedelta(days=400)},
    )


KEPT = {"active", "active_too", "never_expires"}


def test_purge_deletes_revoked_and_expired_rows_and_keeps_active_ones(app, runner,
                                                                      oauth_client):
    tokens = mixed_tokens(app, oauth_client)

    result = runner.invoke(args=["oauth", "purge", "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"access_tokens": 4, "refresh_tokens": 0, "auth_codes": 0}
    assert stored_ids(app) == {tokens[name][1] for name in KEPT}


def test_purge_prints_a_count_for_people(app, runner, oauth_client):
    mixed_tokens(app, oauth_client)

    result = runner.invoke(args=["oauth", "purge"])

    assert result.exit_code == 0, result.output
    assert result.output == ("Deleted 4 revoked or expired access token(s), 0 expired refresh "
                             "token(s) and 0 expired authorization code(s).\n")


def test_purge_with_nothing_to_delete(app, runner, oauth_client):
    tokens = issue_rows(app, oauth_client, active={})

    result = runner.invoke(args=["oauth", "purge", "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"access_tokens": 0, "refresh_tokens": 0, "auth_codes": 0}
    assert stored_ids(app) == {tokens["active"][1]}


def test_purge_twice_deletes_nothing_the_second_time(app, runner, oauth_client):
    mixed_tokens(app, oauth_client)
    runner.invoke(args=["oauth", "purge"])

    result = runner.invoke(args=["oauth", "purge", "--json"])

    assert json.loads(result.output) == {"access_tokens": 0, "refresh_tokens": 0, "auth_codes": 0}
    assert len(stored_ids(app)) == len(KEPT)


def test_kept_tokens_still_work_and_purged_ones_stay_refused(app, client, runner, demo,
                                                             oauth_client):
    tokens = mixed_tokens(app, oauth_client)

    runner.invoke(args=["oauth", "purge"])

    for name, (jwt, _) in tokens.items():
        response = client.get(API_URL, headers={"Authorization": f"Bearer {jwt}"})
        assert response.status_code == (200 if name in KEPT else 401), name


def test_purge_at_a_given_time(app, oauth_client):
    tokens = issue_rows(app, oauth_client, soon={}, later={"expires_at": None})

    with app.app_context():
        counts = purge_tokens(now=utcnow() + timedelta(hours=2))

    assert counts == {"access_tokens": 1, "refresh_tokens": 0, "auth_codes": 0}
    assert stored_ids(app) == {tokens["later"][1]}


def test_a_token_expiring_this_instant_is_kept(app, oauth_client):
    """`expires_at < now`: the guard refuses a token at its expires_at, purge deletes it
    a moment later; either way nothing it guarded is reachable. (Whole seconds: MariaDB's
    DATETIME keeps no fraction.)"""
    now = utcnow().replace(microsecond=0)
    tokens = issue_rows(app, oauth_client, edge={"expires_at": now})

    with app.app_context():
        assert purge_tokens(now=now) == {"access_tokens": 0, "refresh_tokens": 0, "auth_codes": 0}

    assert stored_ids(app) == {tokens["edge"][1]}


def test_purge_is_one_transaction(app, oauth_client, monkeypatch):
    """If the delete fails, nothing is deleted."""
    tokens = mixed_tokens(app, oauth_client)

    def boom(*args, **kwargs):
        raise RuntimeError("the database went away")

    with app.app_context():
        session = db.session()
        real_execute = session.execute

        def execute(statement, *args, **kwargs):
            result = real_execute(statement, *args, **kwargs)
            if getattr(statement, "is_delete", False):
                boom()
            return result

        monkeypatch.setattr(session, "execute", execute)
        try:
            purge_tokens()
        except RuntimeError:
            pass
        else:
            raise AssertionError("purge_tokens did not raise")
        monkeypatch.undo()

    assert stored_ids(app) == {jti for _, jti in tokens.values()}


def add_refresh_token(app, access_token_id, expires_at):
    with app.app_context():
        db.session.add(RefreshToken(id="f" * 64, access_token_id=access_token_id,
                                    family_id="f" * 64, revoked=True, expires_at=expires_at))
        db.session.commit()


def test_a_row_a_live_refresh_token_points_at_is_kept(app, runner, oauth_client):
    """A revoked refresh token is kept until it expires (it still tells a stolen copy), and so
    is the access row it points at (deleting it would break the foreign key)."""
    tokens = issue_rows(app, oauth_client, pointed_at={"revoked": True},
                        alone={"revoked": True}, active={})
    add_refresh_token(app, tokens["pointed_at"][1], utcnow() + timedelta(days=1))

    result = runner.invoke(args=["oauth", "purge", "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"access_tokens": 1, "refresh_tokens": 0, "auth_codes": 0}
    assert stored_ids(app) == {tokens["pointed_at"][1], tokens["active"][1]}


def test_an_expired_refresh_token_goes_with_its_access_row(app, runner, oauth_client):
    tokens = issue_rows(app, oauth_client, pointed_at={"revoked": True}, active={})
    add_refresh_token(app, tokens["pointed_at"][1], utcnow() - timedelta(days=1))

    result = runner.invoke(args=["oauth", "purge", "--json"])

    assert json.loads(result.output) == {"access_tokens": 1, "refresh_tokens": 1, "auth_codes": 0}
    assert stored_ids(app) == {tokens["active"][1]}
