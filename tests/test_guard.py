"""The bearer guard of /api/v1/*: only a signed, unexpired, unrevoked access token of ours."""
import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

import wms.services.tokens
from wms.extensions import db
from wms.models import AccessToken, OAuthClient
from wms.models.base import utcnow
from wms.keys import generate_key_pair
from wms.access_tokens import sign_access_token
from wms.services.tokens import issue_access_token

URL = "/api/v1/warehouses/getall"
UNAUTHENTICATED = {"message": "Unauthenticated."}
ORIGIN = "https://ui.example.com"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(value):
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def unb64url(segment):
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def jwt_parts(token):
    """(header, claims) of a JWT, read with base64 only."""
    header, claims, _ = token.split(".")
    return json.loads(unb64url(header)), json.loads(unb64url(claims))


def forge(header, claims, sign):
    """A JWT made by hand: `sign(signing input) -> signature bytes`."""
    signing_input = f"{b64url_json(header)}.{b64url_json(claims)}"
    return f"{signing_input}.{b64url(sign(signing_input.encode()))}"


def rs256_with(private_pem):
    pem = private_pem if isinstance(private_pem, bytes) else private_pem.encode()
    key = serialization.load_pem_private_key(pem, password=None)
    return lambda data: key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def hs256_with(secret):
    secret = secret if isinstance(secret, bytes) else secret.encode()
    return lambda data: hmac.new(secret, data, hashlib.sha256).digest()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def assert_unauthenticated(response):
    assert response.status_code == 401
    assert response.json == UNAUTHENTICATED


def assert_cors_allowed(response):
    """Any origin by default (flask-cors echoes it back), and no credentials."""
    assert response.headers["Access-Control-Allow-Origin"] in ("*", ORIGIN)
    assert "Access-Control-Allow-Credentials" not in response.headers


def update_row(app, jti, **values):
    with app.app_context():
        db.session.execute(sa.update(AccessToken).where(AccessToken.id == jti).values(**values))
        db.session.commit()


@pytest.fixture
def issue(app, oauth_client):
    """issue(lifetime=3600) -> a JWT made by the token service, its row stored."""
    client_row, _ = oauth_client

    def issue(lifetime=3600, scopes=("read",)):
        with app.app_context():
            token, _row = issue_access_token(client=client_row, user_id=None,
                                             scopes=list(scopes), lifetime=lifetime)
        return token

    return issue


@pytest.fixture
def resign(app):
    """resign(token, **claims) -> the token's claims, changed, signed with the real key."""
    def resign(token, **changes):
        _, claims = jwt_parts(token)
        with app.app_context():
            return sign_access_token({**claims, **changes})

    return resign


# Who passes


def test_a_valid_token_passes(client, demo, auth):
    response = client.get(URL, headers=auth)

    assert response.status_code == 200
    assert response.json["total"] == 1


@pytest.mark.parametrize("authorization", ["Bearer {}", "bearer {}", "BEARER {}", "BeArEr {}",
                                           "{}", "  Bearer   {}  "])
def test_the_scheme_is_case_insensitive_and_optional(client, demo, token, authorization):
    response = client.get(URL, headers={"Authorization": authorization.format(token)})

    assert response.status_code == 200


@pytest.mark.parametrize("authorization", [
    None, "", "   ", "Bearer", "Bearer ", "bearer", "Basic dXNlcjpwYXNz", "Basic {}",
    "Token {}", "garbage", "Bearer garbage", "Bearer a.b.c", "Bearer {}x", "Bearer {} {}",
    "Bearer \u00e9\u00e9.\u00e9.\u00e9",
])
def test_no_or_a_bad_authorization_header_is_unauthenticated(client, demo, token,
                                                             authorization):
    headers = {} if authorization is None else {"Authorization": authorization.format(token, token)}

    response = client.get(URL, headers=headers)

    assert_unauthenticated(response)


# Expiry, revocation and removal of the token's row


def test_a_token_whose_row_has_expired_is_refused(app, client, demo, issue):
    token = issue(lifetime=3600)
    assert client.get(URL, headers=bearer(token)).status_code == 200

    update_row(app, jwt_parts(token)[1]["jti"],
               expires_at=utcnow() - timedelta(seconds=1))

    assert_unauthenticated(client.get(URL, headers=bearer(token)))


def test_a_token_issued_long_ago_has_expired(client, demo, issue, monkeypatch):
    two_hours_ago = time.time() - 7200
    with monkeypatch.context() as patch:
        patch.setattr(wms.services.tokens.time, "time", lambda: two_hours_ago)
        token = issue(lifetime=3600)

    assert_unauthenticated(client.get(URL, headers=bearer(token)))


def test_a_jwt_past_its_exp_claim_is_refused_though_its_row_is_not(client, demo, issue, resign):
    token = issue(lifetime=3600)
    now = int(time.time())

    expired = resign(token, iat=now - 7200, nbf=now - 7200, exp=now - 60)

    assert_unauthenticated(client.get(URL, headers=bearer(expired)))
    assert client.get(URL, headers=bearer(token)).status_code == 200


def test_a_revoked_token_is_refused(app, client, demo, issue):
    token = issue()
    assert client.get(URL, headers=bearer(token)).status_code == 200

    update_row(app, jwt_parts(token)[1]["jti"], revoked=True)

    assert_unauthenticated(client.get(URL, headers=bearer(token)))


def test_the_tokens_of_a_revoked_client_are_refused(app, client, demo, issue, oauth_client):
    token = issue()
    with app.app_context():
        db.session.get(OAuthClient, oauth_client[0].id).revoked = True
        db.session.commit()

    assert_unauthenticated(client.get(URL, headers=bearer(token)))


def test_a_token_whose_row_is_gone_is_refused(app, client, demo, issue):
    token = issue()
    with app.app_context():
        db.session.execute(sa.delete(AccessToken))
        db.session.commit()

    assert_unauthenticated(client.get(URL, headers=bearer(token)))


def test_revoking_one_token_leaves_the_others_working(app, client, demo, issue):
    first, second = issue(), issue()

    update_row(app, jwt_parts(first)[1]["jti"], revoked=True)

    assert_unauthenticated(client.get(URL, headers=bearer(first)))
    assert client.get(URL, headers=bearer(second)).status_code == 200


# Tokens that are not ours, or not as we signed them


def test_a_changed_claim_breaks_the_signature(client, demo, issue):
    token = issue(scopes=["read"])
    header, claims, signature = token.split(".")
    changed = b64url_json({**jwt_parts(token)[1], "scopes": ["read", "write", "users"]})

    assert_unauthenticated(client.get(URL, headers=bearer(f"{header}.{changed}.{signature}")))


def test_a_token_given_another_tokens_jti_breaks_the_signature(client, demo, issue):
    token, other = issue(), issue()
    header, _, signature = token.split(".")
    claims = {**jwt_parts(token)[1], "jti": jwt_parts(other)[1]["jti"]}

    assert_unauthenticated(client.get(URL, headers=bearer(
        f"{header}.{b64url_json(claims)}.{signature}")))


def test_a_changed_signature_is_refused(client, demo, issue):
    token = issue()
    header, claims, signature = token.split(".")
    flipped = bytearray(unb64url(signature))
    flipped[len(flipped) // 2] ^= 0x01

    assert_unauthenticated(client.get(URL, headers=bearer(
        f"{header}.{claims}.{b64url(bytes(flipped))}")))
    assert_unauthenticated(client.get(URL, headers=bearer(f"{header}.{claims}.")))
    assert_unauthenticated(client.get(URL, headers=bearer(f"{header}.{claims}")))


@pytest.mark.parametrize("signature", ["", "c2lnbmF0dXJl"])
@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_an_unsigned_token_is_refused(client, demo, issue, alg, signature):
    token = issue()
    header, claims = jwt_parts(token)
    unsigned = f"{b64url_json({**header, 'alg': alg})}.{b64url_json(claims)}.{signature}"

    assert_unauthenticated(client.get(URL, headers=bearer(unsigned)))


@pytest.mark.parametrize("with_kid", [True, False])
def test_hs256_keyed_with_the_public_key_is_refused(client, demo, issue, key_pair, with_kid):
    """The algorithm confusion attack: the public PEM used as an HMAC secret."""
    token = issue()
    header, claims = jwt_parts(token)
    header = {**header, "alg": "HS256"}
    if not with_kid:
        del header["kid"]

    forged = forge(header, claims, hs256_with(key_pair[1]))

    assert_unauthenticated(client.get(URL, headers=bearer(forged)))


def test_a_token_forged_by_hand_with_the_real_key_passes(client, demo, issue, key_pair):
    """The control of the forgeries below: the same recipe with our key makes a good token."""
    header, claims = jwt_parts(issue())

    response = client.get(URL, headers=bearer(forge(header, claims, rs256_with(key_pair[0]))))

    assert response.status_code == 200


@pytest.fixture(scope="module")
def other_private_pem():
    return generate_key_pair(2048)[0]


@pytest.mark.parametrize("kid", ["ours", None, "theirs"])
def test_a_token_signed_with_another_key_is_refused(client, demo, issue, other_private_pem, kid):
    header, claims = jwt_parts(issue())
    if kid is None:
        del header["kid"]
    elif kid == "theirs":
        header["kid"] = "their-key"

    forged = forge(header, claims, rs256_with(other_private_pem))

    assert_unauthenticated(client.get(URL, headers=bearer(forged)))


@pytest.mark.parametrize("kid", ["unknown-kid", "", 7, ["x"], {"k": "v"}])
def test_a_token_naming_an_unknown_kid_is_refused(client, demo, issue, key_pair, kid):
    header, claims = jwt_parts(issue())

    forged = forge({**header, "kid": kid}, claims, rs256_with(key_pair[0]))

    assert_unauthenticated(client.get(URL, headers=bearer(forged)))


@pytest.mark.parametrize("header", ['"RS256"', "[1]", "null", "{", "[" * 3000])
def test_a_token_whose_header_is_not_a_json_object_is_refused(client, demo, issue, key_pair,
                                                              header):
    _, claims, _ = issue().split(".")
    signing_input = f"{b64url(header.encode())}.{claims}"
    signature = rs256_with(key_pair[0])(signing_input.encode())

    assert_unauthenticated(client.get(URL, headers=bearer(f"{signing_input}.{b64url(signature)}")))


def test_a_token_whose_aud_is_not_its_rows_client_is_refused(client, demo, issue, resign,
                                                             oauth_client):
    token = issue()

    other_client = resign(token, aud=str(oauth_client[0].id + 1))

    assert_unauthenticated(client.get(URL, headers=bearer(other_client)))


def test_a_token_not_yet_valid_is_refused(client, demo, issue, resign):
    token = issue()

    early = resign(token, nbf=int(time.time()) + 3600)

    assert_unauthenticated(client.get(URL, headers=bearer(early)))


@pytest.mark.parametrize("claim", ["jti", "exp", "aud"])
def test_a_token_missing_an_essential_claim_is_refused(client, demo, issue, key_pair, claim):
    header, claims = jwt_parts(issue())
    del claims[claim]

    forged = forge(header, claims, rs256_with(key_pair[0]))

    assert_unauthenticated(client.get(URL, headers=bearer(forged)))


# CORS


def test_a_preflight_needs_no_token(client, demo):
    response = client.options(URL, headers={
        "Origin": ORIGIN,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "Authorization",
    })

    assert response.status_code == 200
    assert_cors_allowed(response)
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert "authorization" in response.headers["Access-Control-Allow-Headers"].lower()


def test_answers_carry_the_cors_header(client, demo, auth):
    allowed = client.get(URL, headers={**auth, "Origin": ORIGIN})
    refused = client.get(URL, headers={"Origin": ORIGIN})

    assert allowed.status_code == 200
    assert_cors_allowed(allowed)
    assert refused.status_code == 401
    assert_cors_allowed(refused)


# Cost


def test_the_token_costs_one_primary_key_lookup(app, client, demo, auth, count_queries):
    with app.test_request_context(URL), count_queries() as route_only:
        app.view_functions["warehouses.index"]()
    with count_queries() as statements:
        response = client.get(URL, headers=auth)

    assert response.status_code == 200
    lookups = [s for s in statements if "oauth_access_tokens" in s]
    assert len(lookups) == 1
    assert "WHERE oauth_access_tokens.id = " in lookups[0]
    assert len(statements) == len(route_only) + 1
