"""Where one request's time goes, by layer: a few routes run in-process (Flask's test client) on
the demo data in a throw-away SQLite database, under cProfile, and the share of each layer in the
request's time (Flask's wsgi_app, without the test client) is printed.

    .venv/bin/python bench/layers.py [--requests N]

The shares are of time under the profiler (which slows small Python calls more than SQL), so
they say where to look, not how fast a route is: `make bench` measures that.
"""
import argparse
import cProfile
import logging
import pstats
import secrets
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import Config  # noqa: E402
from wms import create_app  # noqa: E402
from wms.extensions import db  # noqa: E402
from wms.keys import generate_key_pair  # noqa: E402
from wms.services.clients import create_client  # noqa: E402
from wms.services.demo import load_demo  # noqa: E402

ROUTES = [
    "/api/v1/warehouses/getall",
    "/api/v1/locationvariation/getall?warehouse_id=1",
    "/api/v1/locationvariation/getitemsinlocation?warehouse_id=1&mapped_string=R1-A1-N1",
]
# (layer, how its functions are named in the profile: file name ending, function name)
LAYERS = [
    ("before the view: token, rate limit, checks", ("flask/app.py", "preprocess_request")),
    ("  of which the token (JWT and its row)", ("wms/oauth/guard.py", "require_token")),
    ("  of which the rate limit", ("flask_limiter/_extension.py", "_check_request_limit")),
    ("the view", ("flask/app.py", "dispatch_request")),
    ("  of which SQL through SQLAlchemy", ("sqlalchemy/orm/session.py", "_execute_internal")),
    ("  of which JSON shapes (generated from the marshmallow schemas)",
     ("wms/schemas/compiled.py", "dump")),
    ("after the view: log line, headers, CORS", ("flask/app.py", "finalize_request")),
]
WHOLE = ("flask/app.py", "wsgi_app")


def cumulative(stats, where):
    """Seconds spent in (and under) the functions named `where`, counted once per call chain:
    the outermost calls only, by their cumulative time."""
    suffix, name = where
    total = 0
    for (path, _line, function), (_cc, _nc, _tt, seconds, callers) in stats.items():
        if path.endswith(suffix) and function == name and not any(
                caller[0].endswith(suffix) and caller[2] == name for caller in callers):
            total += seconds
    return total


def app_with_demo(directory):
    private, public = generate_key_pair(2048)
    keys = Path(directory)
    (keys / "private.pem").write_bytes(private)
    (keys / "public.pem").write_bytes(public)

    class LayersConfig(Config):
        SECRET_KEY = secrets.token_urlsafe(32)
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{keys / 'layers.db'}"
        OAUTH_PRIVATE_KEY = str(keys / "private.pem")
        OAUTH_PUBLIC_KEY = str(keys / "public.pem")

    app = create_app(LayersConfig)
    with app.app_context():
        db.create_all()
        load_demo()
        client, secret = create_client(name="Layers")
        client_id = client.id
    return app, client_id, secret


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="Per route.")
    args = parser.parse_args()
    logging.getLogger("wms.request").disabled = True
    with tempfile.TemporaryDirectory() as directory:
        app, client_id, secret = app_with_demo(directory)
        http = app.test_client()
        token = http.post("/oauth/token", data={
            "grant_type": "client_credentials", "client_id": client_id,
            "client_secret": secret}).json["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        for route in ROUTES:
            for _ in range(100):
                assert http.get(route, headers=headers).status_code == 200
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.requests):
                http.get(route, headers=headers)
            profile.disable()
            stats = pstats.Stats(profile).stats
            whole = cumulative(stats, WHOLE)
            print(f"{route}: {whole / args.requests * 1000:.2f} ms a request under the profiler")
            for layer, where in LAYERS:
                print(f"  {layer}: {cumulative(stats, where) / whole * 100:.0f} %")


if __name__ == "__main__":
    main()
