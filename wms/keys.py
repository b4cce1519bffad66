"""The RSA key pair that signs access tokens: loading it, making a new one, rotating it.

Rotation keeps the old public halves in `oauth-retired-keys/` beside the private key, so that
tokens signed before a rotation stay valid until they expire. Every process re-reads the files
when they change, within KEY_RELOAD_SECONDS, so servers pick up a rotation without a restart; a
token with a kid a process does not know yet makes it look at once (key_ring(fresh=True)), so a
token signed by a worker that switched first verifies everywhere at every moment.
"""
import functools
import logging
import os
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import current_app
from joserfc.jwk import RSAKey

PRIVATE_FILE = "oauth-private.key"
PUBLIC_FILE = "oauth-public.key"
RETIRED_DIR = "oauth-retired-keys"
KEY_RELOAD_SECONDS = 10

log = logging.getLogger(__name__)


class KeysMissing(RuntimeError):
    """No usable key pair is configured; `flask oauth keys` makes one."""


class KeyRing:
    """The signing key and the public keys that verify tokens, by `kid` (RFC 7638 thumbprint).

    With a private key, its own public half verifies; a configured public key must match it.
    A public key alone verifies tokens but signs none.
    """

    def __init__(self, private_pem, public_pem, retired_pems=()):
        self.signing_key = RSAKey.import_key(private_pem) if private_pem else None
        public = RSAKey.import_key(public_pem) if public_pem else None
        if self.signing_key is not None:
            own = RSAKey.import_key(self.signing_key.as_pem(private=False))
            if public is not None and public.thumbprint() != own.thumbprint():
                raise KeysMissing("OAUTH_PUBLIC_KEY is not the public half of OAUTH_PRIVATE_KEY")
            public = own
        if public is None:
            raise KeysMissing("no OAuth public key")
        self.kid = public.thumbprint()
        self.public_keys = {key.thumbprint(): key
                            for key in map(RSAKey.import_key, retired_pems)}
        self.public_keys[self.kid] = public

    def verification_key(self, kid):
        """The public key named by a token's `kid`; tokens without one (Passport's) get ours."""
        if kid is None:
            return self.public_keys[self.kid]
        return self.public_keys.get(kid)


def key_paths(app):
    """Where the PEM files are: the configured paths, else the instance folder; the public
    key's default is beside a private key given as a path."""
    private = app.config.get("OAUTH_PRIVATE_KEY") or ""
    public = app.config.get("OAUTH_PUBLIC_KEY") or ""
    folder = Path(app.instance_path)
    private_path = Path(private) if private and not is_pem(private) else folder / PRIVATE_FILE
    if public and not is_pem(public):
        return private_path, Path(public)
    if private and not is_pem(private):
        folder = private_path.parent
    return private_path, folder / PUBLIC_FILE


def is_pem(value):
    """PEM text rather than a file path."""
    return value.lstrip().startswith("-----BEGIN")


def _read(app, name, path):
    value = app.config.get(name) or ""
    if is_pem(value):
        return value.encode()
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def retired_dir(app):
    return key_paths(app)[0].parent / RETIRED_DIR


def _retired_pems(app):
    directory = retired_dir(app)
    return [path.read_bytes() for path in sorted(directory.glob("*.pem"))] \
        if directory.is_dir() else []


def load_keys(app):
    private_path, public_path = key_paths(app)
    private_pem = _read(app, "OAUTH_PRIVATE_KEY", private_path)
    public_pem = None
    # Beside a private key, a public key is read only when configured: a stale default file
    # must not replace the private key's own half.
    if private_pem is None or app.config.get("OAUTH_PUBLIC_KEY"):
        public_pem = _read(app, "OAUTH_PUBLIC_KEY", public_path)
    if private_pem is None and public_pem is None:
        raise KeysMissing(f"no OAuth keys at {private_path}: run `flask --app wsgi oauth keys`")
    return _key_ring(private_pem, public_pem, tuple(_retired_pems(app)))


@functools.lru_cache(maxsize=16)
def _key_ring(private_pem, public_pem, retired_pems):
    """One KeyRing per set of PEM texts in a process: parsing an RSA private key checks it,
    which takes tens of milliseconds, and every app (every test's) would repeat it."""
    return KeyRing(private_pem, public_pem, retired_pems)


def _files_state(app):
    """What the key files look like now (names, sizes, times): changes mean a reload."""
    paths = [*key_paths(app), retired_dir(app)]
    if retired_dir(app).is_dir():
        paths += sorted(retired_dir(app).iterdir())
    state = []
    for path in paths:
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        state.append((str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size))
    return tuple(state)


def key_ring(fresh=False):
    """The app's keys; the files are looked at again at most every KEY_RELOAD_SECONDS, or at
    once with `fresh`, and re-read when they changed (a rotation by `flask oauth rotate-keys`).

    `fresh` is for a token whose `kid` the ring lacks and for the JWKS document: another worker
    or server on the same files may already sign with a new key, and its tokens must verify
    here at once. Looking costs a few stat() calls; the files are parsed only when they
    changed, which no request can cause, so a flood of forged kids costs no key parsing.
    """
    cache = current_app.extensions.setdefault("wms_keys", {})
    now = time.monotonic()
    if "ring" in cache and not fresh and now - cache["checked"] < KEY_RELOAD_SECONDS:
        return cache["ring"]
    state = _files_state(current_app)
    if "ring" not in cache or state != cache["state"]:
        try:
            cache["ring"] = load_keys(current_app)
        except (KeysMissing, ValueError):
            # Caught mid-rotation, say: keep what worked and look again next time.
            if "ring" not in cache:
                raise
            log.warning("OAuth keys could not be re-read; the previous ones stay in use")
        cache["state"] = state
    cache["checked"] = now
    return cache["ring"]


def generate_key_pair(bits):
    """A new RSA pair as (private PEM, public PEM) bytes."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private_pem = key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    return private_pem, public_pem


def _write_atomically(path, data, mode):
    """Write beside the target, then rename: a reader never sees half a key, and the mode is
    the one asked for even when the file existed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def write_key_pair(private_path, public_path, bits):
    private_pem, public_pem = generate_key_pair(bits)
    _write_atomically(public_path, public_pem, 0o644)
    _write_atomically(private_path, private_pem, 0o600)
    return RSAKey.import_key(public_pem).thumbprint()


def rotate_keys(app, bits):
    """Retire the current key (its public half keeps verifying the tokens it signed) and write a
    new pair that signs from now on. Retired keys older than the longest token lifetime, which
    can have no valid token left, are deleted. Returns (old kid, new kid)."""
    if is_pem(app.config.get("OAUTH_PRIVATE_KEY") or ""):
        raise KeysMissing("OAUTH_PRIVATE_KEY holds the key itself: rotation writes files")
    current = load_keys(app)
    directory = retired_dir(app)
    directory.mkdir(parents=True, exist_ok=True)
    _write_atomically(directory / f"{current.kid}.pem",
                      current.public_keys[current.kid].as_pem(private=False), 0o644)
    private_path, public_path = key_paths(app)
    new_kid = write_key_pair(private_path, public_path, bits)
    oldest = time.time() - app.config["ACCESS_TOKEN_LIFETIME"]
    for path in directory.glob("*.pem"):
        if path.stat().st_mtime < oldest:
            path.unlink()
    return current.kid, new_kid
