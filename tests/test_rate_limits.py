"""Rate limits: POST /oauth/token per client IP, Laravel's 429, memory or Redis counts."""
import socket
import time
import uuid

import pytest


TOKEN_URL = "/oauth/token"
WAREHOUSES_URL = "/api/v1/warehouses/getall"
TOO_MANY = {"message": "Too Many Attempts."}
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def post_token(oauth_client):
    """post_token(app, ip, secret=None): POST /oauth/token from `ip`, with the right secret
    unless another is given."""
    app_client, secret = oauth_client

    def post(app, ip="192.0.2.10", secret=secret, **kwargs):
        sent_at = int(time.time())
        response = app.test_client().post(TOKEN_URL, environ_base={"REMOTE_ADDR": ip}, data={
            "grant_type": "client_credentials", "client_id": app_client.id,
            "client_secret": secret}, **kwargs)
        response.sent_at = sent_at  # the second it was sent in, for assert_too_many
        return response

    return post


def limit(app, value="3 per minute"):
    app.config["OAUTH_TOKEN_RATE_LIMIT"] = value
    return app


def assert_too_many(response, amount=3, window=60):
    assert response.status_code == 429
    assert response.mimetype == "application/json"
    assert response.json == TOO_MANY
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= window
    assert response.headers["X-RateLimit-Limit"] == str(amount)
    assert response.headers["X-RateLimit-Remaining"] == "0"
    # X-RateLimit-Reset is the second of the answer plus Retry-After.
    answered = int(response.headers["X-RateLimit-Reset"]) - retry_after
    assert response.sent_at <= answered <= time.time()


def test_the_fourth_request_from_one_address_is_429(app, post_token):
    limit(app)

    answers = [post_token(app) for _ in range(4)]

    assert [r.status_code for r in answers[:3]] == [200, 200, 200]
    assert [r.headers["X-RateLimit-Limit"] for r in answers[:3]] == ["3", "3", "3"]
    assert [r.headers["X-RateLimit-Remaining"] for r in answers[:3]] == ["2", "1", "0"]
    assert all("Retry-After" not in r.headers for r in answers[:3])
    assert_too_many(answers[3])


def test_refused_attempts_count_too(app, post_token):
    """Guessing secrets is what the limit is for: after 3 wrong ones the right one waits too."""
    limit(app)

    wrong = [post_token(app, secret="guess") for _ in range(3)]
    right = post_token(app)

    assert [r.status_code for r in wrong] == [401, 401, 401]
    assert all(r.json["error"] == "invalid_client" for r in wrong)
    assert_too_many(right)


def test_other_addresses_keep_their_own_count(app, post_token):
    limit(app)
    for _ in range(3):
        post_token(app, ip="192.0.2.10")

    assert post_token(app, ip="192.0.2.10").status_code == 429
    other = post_token(app, ip="192.0.2.11")
    assert other.status_code == 200
    assert other.headers["X-RateLimit-Remaining"] == "2"


def test_api_routes_are_not_limited(app, post_token, auth):
    limit(app, "1 per minute")
    post_token(app, ip="127.0.0.1")  # the `auth` token used up the address's one request
    assert post_token(app, ip="127.0.0.1").status_code == 429

    answers = [app.test_client().get(WAREHOUSES_URL, headers=auth) for _ in range(5)]

    assert [r.status_code for r in answers] == [200] * 5
    assert all("X-RateLimit-Limit" not in r.headers for r in answers)


def test_a_429_is_json_that_pages_on_other_origins_can_read(app, post_token):
    limit(app, "1 per minute")
    origin = {"Origin": "https://ui.example"}
    post_token(app, headers=origin)

    response = post_token(app, headers=origin)

    assert_too_many(response, amount=1)
    assert response.headers["Access-Control-Allow-Origin"] in ("*", "https://ui.example")
    exposed = {h.strip().lower() for h in
               response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"retry-after", "x-ratelimit-limit", "x-ratelimit-remaining"} <= exposed


def test_cors_preflights_do_not_count(app, post_token):
    limit(app, "2 per minute")
    preflight = {"Origin": "https://ui.example", "Access-Control-Request-Method": "POST"}

    for _ in range(3):
        response = app.test_client().options(TOKEN_URL, headers=preflight,
                                             environ_base={"REMOTE_ADDR": "192.0.2.10"})
        assert response.status_code == 200

    assert [post_token(app).status_code for _ in range(3)] == [200, 200, 429]


def test_each_app_counts_on_its_own_in_memory(app, make_app, post_token):
    """memory:// is one process's count: a new app (a test's, a restarted worker's) starts at 0."""
    limit(app, "1 per minute")
    post_token(app)
    assert post_token(app).status_code == 429

    fresh = limit(make_app(), "1 per minute")

    assert post_token(fresh).status_code == 200


def test_limits_can_be_switched_off(make_app, post_token):
    off = limit(make_app(RATELIMIT_ENABLED=False), "1 per minute")

    answers = [post_token(off) for _ in range(3)]

    assert [r.status_code for r in answers] == [200] * 3
    assert all("X-RateLimit-Limit" not in r.headers for r in answers)


def test_an_empty_limit_means_none(app, post_token):
    limit(app, "")

    assert [post_token(app).status_code for _ in range(3)] == [200] * 3


def test_a_bad_limit_stops_the_app_from_starting(make_app):
    with pytest.raises(RuntimeError, match="OAUTH_TOKEN_RATE_LIMIT"):
        make_app(OAUTH_TOKEN_RATE_LIMIT="sixty a minute")


def test_behind_a_proxy_the_forwarded_address_counts(make_app, post_token):
    proxied = limit(make_app(PROXY_FIX_X_FOR=1), "1 per minute")

    def via_proxy(client_ip):
        return post_token(proxied, ip="10.0.0.1", headers={"X-Forwarded-For": client_ip})

    assert via_proxy("198.51.100.1").status_code == 200
    assert via_proxy("198.51.100.1").status_code == 429
    assert via_proxy("198.51.100.2").status_code == 200


def test_without_proxy_fix_a_forwarded_address_is_ignored(app, post_token):
    """Otherwise a client would get a fresh count by sending any X-Forwarded-For it likes."""
    limit(app, "1 per minute")

    first = post_token(app, headers={"X-Forwarded-For": "198.51.100.1"})
    second = post_token(app, headers={"X-Forwarded-For": "198.51.100.2"})

    assert (first.status_code, second.status_code) == (200, 429)


def test_an_unreachable_store_lets_requests_through(make_app, post_token):
    """Redis down: requests are served (unlimited, logged), never a 500."""
    down = limit(make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0"), "1 per minute")

    answers = [post_token(down) for _ in range(2)]

    assert [r.status_code for r in answers] == [200, 200]


def redis_answers():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_prefix():
    """A key prefix of this run's own (parallel runs share the server), its keys deleted at the
    end. One per run: Flask-Limiter keeps the first RATELIMIT_KEY_PREFIX its process is given."""
    if not redis_answers():
        pytest.skip("no Redis on 127.0.0.1:6379")
    import redis

    prefix = f"wms-test-{uuid.uuid4().hex}"
    yield prefix
    server = redis.Redis.from_url(REDIS_URL)
    keys = list(server.scan_iter(match=f"*{prefix}*"))
    if keys:
        server.delete(*keys)
    server.close()


def test_servers_sharing_redis_share_the_count(make_app, post_token, redis_prefix):
    """Several servers behind a load balancer: a client's attempts add up across them."""
    def server():
        return limit(make_app(
            RATELIMIT_STORAGE_URI=REDIS_URL,
            RATELIMIT_KEY_PREFIX=redis_prefix))

    first = server()
    assert [post_token(first).status_code for _ in range(2)] == [200, 200]

    second = server()  # its own connection to Redis; a memory count would start at 0 here
    answers = [post_token(second) for _ in range(2)]

    assert answers[0].status_code == 200
    assert answers[0].headers["X-RateLimit-Remaining"] == "0"
    assert_too_many(answers[1])
    assert post_token(first).status_code == 429
    assert post_token(second, ip="192.0.2.99").status_code == 200

    import redis
    with redis.Redis.from_url(REDIS_URL) as client:
        assert list(client.scan_iter(match=f"*{redis_prefix}*"))
