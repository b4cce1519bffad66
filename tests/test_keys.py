"""Which keys sign and verify, from the configuration and the instance folder."""
from types import SimpleNamespace

import pytest
from joserfc.jwk import RSAKey

from wms.keys import KeysMissing, generate_key_pair, load_keys, write_key_pair


def fake_app(tmp_path, **config):
    return SimpleNamespace(config=config, instance_path=str(tmp_path))


def thumbprint(public_pem):
    return RSAKey.import_key(public_pem).thumbprint()


@pytest.fixture(scope="module")
def other_pair():
    return generate_key_pair(2048)


def test_the_instance_files_are_the_default(tmp_path):
    kid = write_key_pair(tmp_path / "oauth-private.key", tmp_path / "oauth-public.key", 2048)

    ring = load_keys(fake_app(tmp_path))

    assert ring.kid == kid and ring.signing_key is not None


def test_a_configured_private_key_wins_over_a_stale_public_file(tmp_path, key_pair, other_pair):
    (tmp_path / "oauth-public.key").write_bytes(other_pair[1])

    ring = load_keys(fake_app(tmp_path, OAUTH_PRIVATE_KEY=key_pair[0]))

    assert ring.kid == thumbprint(key_pair[1])


def test_a_public_key_that_does_not_match_is_refused(tmp_path, key_pair, other_pair):
    with pytest.raises(KeysMissing, match="not the public half"):
        load_keys(fake_app(tmp_path, OAUTH_PRIVATE_KEY=key_pair[0],
                           OAUTH_PUBLIC_KEY=other_pair[1].decode()))


def test_a_public_key_alone_verifies_but_cannot_sign(tmp_path, key_pair):
    ring = load_keys(fake_app(tmp_path, OAUTH_PUBLIC_KEY=key_pair[1]))

    assert ring.signing_key is None
    assert ring.verification_key(ring.kid) is not None


def test_no_keys_at_all_say_how_to_make_them(tmp_path):
    with pytest.raises(KeysMissing, match="oauth keys"):
        load_keys(fake_app(tmp_path))


def test_rewriting_keys_leaves_the_private_key_private(tmp_path):
    private = tmp_path / "oauth-private.key"
    private.write_text("old")
    private.chmod(0o644)

    write_key_pair(private, tmp_path / "oauth-public.key", 2048)

    assert private.stat().st_mode & 0o777 == 0o600
    assert not list(tmp_path.glob(".*.tmp"))
