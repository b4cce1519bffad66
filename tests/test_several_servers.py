"""Several servers behind a load balancer: two gunicorn servers (two workers each) on one
PostgreSQL schema and one Redis, sharing SECRET_KEY and the key files, act as one."""
import uuid

import pytest

from tests.servers import Gunicorn, call, client_token, demo_site, needs_postgresql
from tests.test_rate_limits import REDIS_URL, redis_answers

pytestmark = needs_postgresql

WAREHOUSES = "/api/v1/warehouses/getall"
TOKENS_AN_HOUR = 5


@pytest.fixture(scope="module")
def servers(config_class, key_pair, tmp_path_factory):
    if not redis_answers():
        pytest.skip("no Redis on 127.0.0.1:6379")
    import redis

    folder = tmp_path_factory.mktemp("servers")
    prefix = f"wms-servers-{uuid.uuid4().hex}"
    with demo_site(config_class, key_pair, folder) as site:
        environ = {**site.environ, "RATELIMIT_STORAGE_URI": REDIS_URL,
                   "RATELIMIT_KEY_PREFIX": prefix,
                   # Per hour: the count cannot start over while the test runs.
                   "OAUTH_TOKEN_RATE_LIMIT": f"{TOKENS_AN_HOUR} per hour"}
        try:
            with Gunicorn.running(folder, environ, environ) as started:
                yield site, started
        finally:
            with redis.Redis.from_url(REDIS_URL) as client:
                keys = list(client.scan_iter(match=f"*{prefix}*"))
                if keys:
                    client.delete(*keys)


def test_tokens_revocations_and_rate_limits_are_shared(servers):
    site, (first, second) = servers

    token = client_token(first.port, site)
    assert call(second.port, "GET", WAREHOUSES, token=token).status == 200
    assert call(first.port, "GET", WAREHOUSES, token=token).status == 200
    # Secrets in a query string reach no log (gunicorn's or the app's).
    call(first.port, "GET", f"{WAREHOUSES}?access_token={token}&page=1")

    revoked = call(first.port, "POST", "/oauth/revoke", form={
        "token": token, "client_id": site.client_id, "client_secret": site.client_secret})
    assert revoked.status == 200
    refused = call(second.port, "GET", WAREHOUSES, token=token)
    assert refused.status == 401
    assert refused.json() == {"message": "Unauthenticated."}

    # One token was issued above; the others alternate between the servers and count as one.
    remaining = []
    for server in [second, first, second, first]:
        answer = call(server.port, "POST", "/oauth/token", form={
            "grant_type": "client_credentials", "client_id": site.client_id,
            "client_secret": site.client_secret})
        assert answer.status == 200, answer.body
        remaining.append(int(answer.headers["X-RateLimit-Remaining"]))
    over = [call(server.port, "POST", "/oauth/token", form={
        "grant_type": "client_credentials", "client_id": site.client_id,
        "client_secret": site.client_secret}) for server in (first, second)]

    assert remaining == [3, 2, 1, 0]
    assert [answer.status for answer in over] == [429, 429]
    assert over[1].json() == {"message": "Too Many Attempts."}
    for server in (first, second):
        logged = server.output() + server.errors()
        assert f"path={WAREHOUSES} status=200" in logged
        assert token not in logged and site.client_secret not in logged
