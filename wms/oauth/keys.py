"""The RSA key pair that signs access tokens: loading it, and making a new one."""
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import current_app
from joserfc.jwk import RSAKey

PRIVATE_FILE = "oauth-private.key"
PUBLIC_FILE = "oauth-public.key"


class KeysMissing(RuntimeError):
    """No usable key pair is configured; `flask oauth keys` makes one."""


class KeyRing:
    """The signing key and the public keys that verify tokens, by `kid` (RFC 7638 thumbprint).

    With a private key, its own public half verifies; a configured public key must match it.
    A public key alone verifies tokens but signs none.
    """

    def __init__(self, private_pem, public_pem):
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
        self.public_keys = {self.kid: public}

    def verification_key(self, kid):
        """The public key named by a token's `kid`; tokens without one (Passport's) get ours."""
        if kid is None:
            return self.public_keys[self.kid]
        return self.public_keys.get(kid)


def key_paths(app):
    """Where the PEM files are: the configured paths, else the instance folder."""
    paths = []
    for name, default in (("OAUTH_PRIVATE_KEY", PRIVATE_FILE), ("OAUTH_PUBLIC_KEY", PUBLIC_FILE)):
        value = app.config.get(name) or ""
        paths.append(Path(value) if value and not is_pem(value)
                     else Path(app.instance_path) / default)
    return tuple(paths)


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
    return KeyRing(private_pem, public_pem)


def key_ring():
    """The app's keys, read once per process."""
    ring = current_app.extensions.get("wms_keys")
    if ring is None:
        ring = current_app.extensions["wms_keys"] = load_keys(current_app)
    return ring


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
