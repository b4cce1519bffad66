"""Command line: `flask --app wsgi oauth ...` and `flask --app wsgi wms ...`.

Every command takes --json for scripts; without it, it prints for people.
"""
import io
import json
import shlex
import sys
import time
from pathlib import Path

import click
import sqlalchemy as sa
from config import database_url
from flask import current_app
from flask.cli import AppGroup
from marshmallow import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from wms.errors import ApiError
from wms.extensions import db
from wms.labels import MEDIA_TYPES, SHEETS, SYMBOLOGIES
from wms.models import OAuthClient
from wms.keys import (KeysMissing, is_pem, key_paths, key_ring, rotate_keys,
                      write_key_pair)
from wms.schemas.accounts import NewUserSchema, UserSchema
from wms.schemas.labels import LabelQuerySchema
from wms.values import CONTROL_CHARS
from wms.schemas.oauth import RedirectList
from wms.services import bulk_demo, catalog, demo, idempotency, ledger, legacy_import, users
from wms.services.clients import create_client
from wms.services.labels import location_labels
from wms.services.tokens import purge_tokens

oauth_cli = AppGroup("oauth", help="OAuth keys and clients.")
users_cli = AppGroup("users", help="People who sign in.")
wms_cli = AppGroup("wms", help="Warehouse data: demo data, catalog and legacy imports, the "
                   "ledger.")

DEMO_CLIENT_NAME = "Demo client"
PROGRESS_MIN_ROWS = 1000   # import-catalog shows a progress bar on files with more data rows
ERRORS_SHOWN = 50          # import-catalog lists this many errors (all of them with --json)


def _emit(as_json, data, text):
    click.echo(json.dumps(data) if as_json else text)


@oauth_cli.command("keys")
@click.option("--force", is_flag=True, help="Overwrite an existing key pair.")
@click.option("--bits", type=click.IntRange(2048, 8192), default=None,
              help="RSA key size (default OAUTH_KEY_BITS, 4096).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def keys(force, bits, as_json):
    """Write the RSA key pair that signs access tokens."""
    if is_pem(current_app.config.get("OAUTH_PRIVATE_KEY") or ""):
        raise click.ClickException("OAUTH_PRIVATE_KEY holds the key itself: unset it, or set it "
                                   "to a file path, to write a key pair.")
    private_path, public_path = key_paths(current_app)
    if private_path.exists() and not force:
        raise click.ClickException(f"{private_path} exists; --force replaces it "
                                   "(tokens signed with the old key stop working).")
    kid = write_key_pair(private_path, public_path,
                         bits or current_app.config["OAUTH_KEY_BITS"])
    current_app.extensions.pop("wms_keys", None)
    _emit(as_json, {"private_key": str(private_path), "public_key": str(public_path), "kid": kid},
          f"Wrote {private_path} and {public_path} (kid {kid}).")


@oauth_cli.command("rotate-keys")
@click.option("--bits", type=click.IntRange(2048, 8192), default=None,
              help="RSA key size (default OAUTH_KEY_BITS, 4096).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def rotate_keys_command(bits, as_json):
    """Sign new tokens with a new key pair; tokens signed with the old one stay valid until they
    expire. Running servers switch within 10 seconds, without a restart."""
    try:
        old_kid, new_kid = rotate_keys(current_app, bits or current_app.config["OAUTH_KEY_BITS"])
    except KeysMissing as e:
        raise click.ClickException(str(e))
    _emit(as_json, {"retired_kid": old_kid, "kid": new_kid},
          f"New signing key {new_kid}; {old_kid} now only verifies the tokens it signed.")


@oauth_cli.command("create-client")
@click.option("--name", required=True, help="The client's name.")
@click.option("--client-credentials", is_flag=True,
              help="A confidential client for the client-credentials grant.")
@click.option("--password", "password_client", is_flag=True,
              help="A password-grant client (the scanner app's kind).")
@click.option("--public", is_flag=True,
              help="With --password or --redirect: a client without a secret, for apps that "
                   "cannot keep one (PKCE is then required for authorization codes).")
@click.option("--personal", is_flag=True,
              help="The personal access client, which issues users' personal access tokens.")
@click.option("--redirect", "redirects", multiple=True, metavar="URL",
              help="A third-party app's redirect URI, for the authorization-code flow "
                   "(repeat it, or separate URLs by commas, for several).")
@click.option("--admin", is_flag=True,
              help="With --client-credentials: its tokens may manage users (POST /api/users, "
                   "GET /users/search, other users' tokens).")
@click.option("--id", "client_id", type=click.IntRange(1, 2**31 - 1), default=None,
              help="The client's id (default: the next free one): an app with its client id "
                   "built in, such as the 2019 scanner app (client 2), keeps it.")
@click.option("--secret-stdin", is_flag=True,
              help="Read the client's secret from standard input instead of making one: for an "
                   "app with its secret built in. Never on the command line (shell history).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def create_client_command(name, client_credentials, password_client, public, personal,
                          redirects, admin, client_id, secret_stdin, as_json):
    """Create an OAuth client and print its id and secret (shown only now)."""
    _check_client_kind(client_credentials, password_client, public, personal, redirects, admin)
    try:
        redirect = RedirectList().deserialize(",".join(redirects)) if redirects else ""
    except ValidationError as e:
        raise click.BadParameter(" ".join(e.messages), param_hint="--redirect")
    given = _secret_from_stdin(public) if secret_stdin else None
    try:
        client, secret = create_client(name=name, password=password_client, public=public,
                                       personal=personal, admin=admin, redirect=redirect,
                                       client_id=client_id, secret=given)
    except ApiError as e:
        raise click.ClickException(f"{e.message} ({client_id})")
    text = f"Client ID: {client.id}\n"
    if secret and given:
        text += "The secret read from standard input is stored hashed."
        secret = None  # the caller has it: never echo it
    elif secret:
        text += (f"Client secret: {secret}\n"
                 "The secret is stored hashed: keep it now, it cannot be shown again.")
    _emit(as_json, {"client_id": client.id, "client_secret": secret}, text)


def _check_client_kind(client_credentials, password_client, public, personal, redirects,
                       admin):
    kinds = client_credentials + password_client + personal
    if kinds > 1 or (kinds == 0 and not redirects):
        raise click.UsageError("Say what kind of client: --client-credentials, --password, "
                               "--personal or --redirect URL.")
    if redirects and (password_client or personal):
        raise click.UsageError("--redirect is for third-party apps: password and personal "
                               "access clients never take part in the authorization-code flow.")
    if public and not (password_client or (redirects and not client_credentials)):
        raise click.UsageError("--public goes with --password or --redirect: client "
                               "credentials need a secret.")
    if admin and not client_credentials:
        raise click.UsageError("--admin goes with --client-credentials: only tokens without a "
                               "user act with their client's powers.")


def _secret_from_stdin(public):
    if public:
        raise click.UsageError("--secret-stdin makes no sense with --public: a public client "
                               "has no secret.")
    secret = sys.stdin.readline().strip()
    if not 8 <= len(secret) <= 255 or CONTROL_CHARS.search(secret):
        raise click.BadParameter("the secret on standard input must be 8 to 255 characters "
                                 "without control characters", param_hint="--secret-stdin")
    return secret


@oauth_cli.command("purge")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def purge_command(as_json):
    """Delete the rows of revoked and expired access tokens, expired refresh tokens and expired
    authorization codes, in one transaction.

    Safe at any time: a token whose row is gone is refused like a revoked one (the guard needs
    the row), so deleting revoked rows before they expire changes nothing for their holders.
    """
    counts = purge_tokens()
    _emit(as_json, counts,
          f"Deleted {counts['access_tokens']} revoked or expired access token(s), "
          f"{counts['refresh_tokens']} expired refresh token(s) and {counts['auth_codes']} "
          "expired authorization code(s).")


@wms_cli.command("demo")
@click.option("--if-empty", is_flag=True,
              help="Do nothing, successfully, if the database already has warehouses.")
@click.option("--scale", type=click.Choice(["small", "large"]), default="small",
              help="small: the README's demo data; large: 100,000 locations, 200,000 "
                   "variations and 1,000,000 placements, written in bulk.")
@click.option("--locations", type=click.IntRange(min=1), help="A bulk store of this many "
              "locations (with --placements).")
@click.option("--placements", type=click.IntRange(min=0), help="... and this many placements.")
@click.option("--variations", type=click.IntRange(min=1),
              help="... and this many variations (default: two per location).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def demo_command(if_empty, scale, locations, placements, variations, as_json):
    """Load the demo data into an empty database."""
    if if_empty and demo.database_has_warehouses():
        _emit(as_json, {"loaded": False}, "The database already has data; demo data not loaded.")
        return
    if (locations is None) != (placements is None) or (variations and locations is None):
        raise click.UsageError("--locations and --placements go together (--variations too).")
    if scale == "large" and locations is None:
        locations, placements = bulk_demo.LARGE["locations"], bulk_demo.LARGE["placements"]
        variations = bulk_demo.LARGE["variations"]
    started = time.monotonic()
    try:
        if locations is None:
            counts = demo.load_demo()
        else:
            counts = bulk_demo.build_store(locations=locations, placements=placements,
                                           variations=variations)
    except ApiError as e:
        raise click.ClickException(e.message)
    seconds = round(time.monotonic() - started, 1)
    _emit(as_json, {"loaded": True, **counts, "seconds": seconds},
          "Demo data loaded: " + ", ".join(f"{v} {k}" for k, v in counts.items())
          + f" in {seconds} s.")


@wms_cli.command("info")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def info_command(as_json):
    """What this server is set to: its database, the shapes it answers in (CLIENT_SHAPES), its
    signing key, where rate limits count."""
    config = current_app.config
    try:
        kid = key_ring().kid
    except KeysMissing as e:
        kid = f"none ({e})"
    details = {
        "database": db.engine.url.render_as_string(hide_password=True),
        "client_shapes": config["CLIENT_SHAPES"],
        "signing_key": kid,
        "rate_limit_storage": config["RATELIMIT_STORAGE_URI"].split("@")[-1],
        "idempotency_ttl": config["IDEMPOTENCY_TTL"],
    }
    _emit(as_json, details, "\n".join(f"{name}: {value}" for name, value in details.items()))


@wms_cli.command("purge-scans")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def purge_scans_command(as_json):
    """Delete the idempotency keys of scans older than IDEMPOTENCY_TTL (a repeat of such a scan
    is then applied again). Safe at any time, e.g. nightly from cron."""
    deleted = idempotency.purge()
    _emit(as_json, {"deleted": deleted}, f"Deleted {deleted} expired scan key(s).")


@wms_cli.command("verify-ledger")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def verify_ledger_command(as_json):
    """Replay the movements ledger from an empty database and compare it with the placements,
    and each warehouse's placement count with its placements; exit 1 and list the differences
    if they disagree."""
    missing, extra = ledger.verify()
    miscounted = ledger.miscounted()
    ok = not (missing or extra or miscounted)
    lines = [] if ok else [
        f"{len(missing)} placement(s) the ledger expects are missing: {missing[:20]}",
        f"{len(extra)} placement(s) the ledger does not account for: {extra[:20]}",
        "(pairs are (variation id, location id))",
        f"{len(miscounted)} warehouse(s) whose placement count is wrong "
        f"(warehouse, counted, actual): {miscounted[:20]}"]
    _emit(as_json, {"ok": ok, "missing": missing, "extra": extra, "miscounted": miscounted},
          "The ledger replays to exactly the placements; every warehouse's count is exact."
          if ok else "\n".join(lines))
    if not ok:
        raise click.exceptions.Exit(1)


@wms_cli.command("demo-client")
@click.option("--base-url", default="http://127.0.0.1:8000", help="Where the server listens.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def demo_client(base_url, as_json):
    """Create the demo client-credentials client, once, and show how to use it."""
    existing = db.session.scalar(sa.select(OAuthClient).where(
        OAuthClient.name == DEMO_CLIENT_NAME, OAuthClient.revoked.is_(False)))
    if existing is not None:
        _emit(as_json, {"client_id": existing.id, "client_secret": None},
              f"Demo client {existing.id} exists; its secret was shown when it was made "
              "(`flask --app wsgi oauth create-client --name NAME --client-credentials` "
              "makes another).")
        return
    client, secret = create_client(name=DEMO_CLIENT_NAME)
    token_cmd = (f"curl -s -X POST {base_url}/oauth/token -d grant_type=client_credentials "
                 f"-d client_id={client.id} -d client_secret={shlex.quote(secret)}")
    _emit(as_json, {"client_id": client.id, "client_secret": secret},
          f"Demo client id: {client.id}\nDemo client secret: {secret}\n\n"
          "Get a token and list the warehouses:\n"
          f"  TOKEN=$({token_cmd} | python3 -c 'import json,sys; "
          "print(json.load(sys.stdin)[\"access_token\"])')\n"
          f"  curl -s -H \"Authorization: Bearer $TOKEN\" {base_url}/api/v1/warehouses/getall\n")


@wms_cli.command("import-catalog")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def import_catalog_command(path, as_json):
    """Import products, images and variations from a CSV file with the header
    product_id,product_name,variation_id,sku,variation_name,images (ids optional; images
    separated by ';'), optionally with internal_reference, provider, colors_es, family,
    parent_name, activation_disabled, categories ('Ropa > Camisas; Ofertas'), stock, price and
    color. Re-running a file updates rows; an empty cell changes nothing; an invalid file writes
    nothing."""
    def progress(rows, total):
        if as_json or rows <= PROGRESS_MIN_ROWS or not total:
            return None
        return click.progressbar(length=total, label=f"Importing {rows} rows",
                                 file=sys.stderr)

    try:
        text = catalog.decode(path.read_bytes())
        counts = catalog.import_catalog(io.StringIO(text, newline=""), progress=progress)
    except catalog.CatalogError as e:
        _catalog_errors(path, e.errors, as_json)
    except SQLAlchemyError as e:
        raise click.ClickException(f"the database refused the import; nothing was written: "
                                   f"{getattr(e, 'orig', None) or e}")
    summary = "; ".join(f"{kind.replace('_', ' ')} {c['created']} created, {c['updated']} updated, "
                        f"{c['unchanged']} unchanged"
                        for kind, c in counts.items() if kind != "rows")
    _emit(as_json, counts, f"Imported {counts['rows']} rows from {path.name}: {summary}.")


def _catalog_errors(path, errors, as_json):
    if as_json:
        click.echo(json.dumps({"errors": [{"line": line, "message": message}
                                          for line, message in errors]}))
        raise click.exceptions.Exit(1)
    for line, message in errors[:ERRORS_SHOWN]:
        click.echo(f"line {line}: {message}", err=True)
    if len(errors) > ERRORS_SHOWN:
        click.echo(f"... and {len(errors) - ERRORS_SHOWN} more (--json lists them all)", err=True)
    raise click.ClickException(f"{path.name}: {len(errors)} error(s); nothing was imported.")


@wms_cli.command("import-legacy")
@click.option("--from", "source", metavar="URL",
              help="The legacy Laravel database: a SQLAlchemy URL (mysql://user:password@host/"
                   "db, sqlite:///path) or a SQLite file's path. Default: LEGACY_DATABASE_URL.")
@click.option("--batch-size", type=click.IntRange(1, 10000),
              default=legacy_import.DEFAULT_BATCH_SIZE, show_default=True,
              help="Rows of one table written per transaction.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the report as JSON: counts per table and every skipped row.")
def import_legacy_command(source, batch_size, as_json):
    """Copy stores, warehouses, locations, the catalog, users with their roles and placements
    (each with an `import` movement) from the legacy Laravel database, keeping their ids.
    Re-running it changes nothing; an interrupted run is completed by running it again."""
    url = _legacy_url(source or current_app.config.get("LEGACY_DATABASE_URL"))
    started = time.monotonic()
    try:
        report = legacy_import.import_legacy(
            url, batch_size, lambda total: click.progressbar(
                length=total, label="Importing", file=sys.stderr))
    except legacy_import.LegacyImportError as e:
        raise click.ClickException(str(e))
    except SQLAlchemyError as e:
        raise click.ClickException(
            f"the import stopped: {getattr(e, 'orig', None) or e}. The batches before this "
            "one are written; running the command again completes the import.")
    report = {"source": sa.make_url(url).render_as_string(hide_password=True),
              "seconds": round(time.monotonic() - started, 1), **report}
    _emit(as_json, report, _import_summary(report))


def _legacy_url(source):
    if not source:
        raise click.UsageError("Say where the legacy database is: --from URL, or set "
                               "LEGACY_DATABASE_URL.")
    if "://" not in source:
        if not Path(source).is_file():
            raise click.BadParameter(f"{source} is neither a URL nor a file",
                                     param_hint="--from")
        return f"sqlite:///{Path(source).resolve()}"
    return database_url(source)


def _import_summary(report):
    lines = [f"Imported from {report['source']} in {report['seconds']} s."]
    for table, counts in report["tables"].items():
        reasons = ", ".join(f"{reason} {n}" for reason, n in counts["skipped"].items())
        adjusted = ", ".join(f"{reason} {n}" for reason, n in counts["adjusted"].items())
        lines.append(f"  {table}: {counts['copied']} copied, {counts['unchanged']} unchanged, "
                     f"{sum(counts['skipped'].values())} skipped"
                     + (f" ({reasons})" if reasons else "")
                     + (f"; changed from the legacy values: {adjusted}" if adjusted else ""))
    if report["missing_tables"]:
        lines.append("  not in the source: " + ", ".join(report["missing_tables"]))
    for row in report["skipped"][:ERRORS_SHOWN]:
        lines.append(f"skipped {row['table']} {row['id']}: {row['reason']}"
                     + (f" ({row['detail']})" if row["detail"] else ""))
    if len(report["skipped"]) > ERRORS_SHOWN:
        lines.append(f"... and {len(report['skipped']) - ERRORS_SHOWN} more skipped rows "
                     "(--json lists them all)")
    return "\n".join(lines)


@wms_cli.command("labels")
@click.option("--warehouse", "warehouse_id", type=int, help="The warehouse's id.")
@click.option("--rack", type=int, help="With --warehouse: every location of that rack.")
@click.option("--code", "mapped_string", help="With --warehouse: the one location of that code.")
@click.option("--id", "ids", type=int, multiple=True,
              help="A location's id (repeat for several, printed in that order).")
@click.option("--format", "format_", default="pdf", show_default=True,
              type=click.Choice(list(MEDIA_TYPES)))
@click.option("--symbology", default="code128", show_default=True,
              type=click.Choice(SYMBOLOGIES))
@click.option("--layout", default="label", show_default=True,
              type=click.Choice(list(SHEETS)),
              help="PDF paper: a 4x2 inch label a page, or A4 sheets of 2 x 5 labels.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              help="The file to write; - for standard output. Default: a name like "
                   "labels-warehouse1-rack2.pdf in the current directory.")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
def labels_command(warehouse_id, rack, mapped_string, ids, format_, symbology, layout, output,
                   as_json):
    """Write printable labels of locations (PDF, PNG or ZPL), as
    GET /api/v1/warehouselocations/labels does, with no limit on their number."""
    if rack is None and mapped_string is None and not ids:
        raise click.UsageError("Say which locations: --warehouse with --rack or --code, or --id.")
    if output == "-" and as_json:
        raise click.UsageError("--json prints to standard output: give -o FILE with it.")
    given = {"warehouse_id": warehouse_id, "rack": rack, "mapped_string": mapped_string,
             "ids": list(ids) or None, "format": format_, "symbology": symbology,
             "layout": layout}
    try:
        args = LabelQuerySchema().load({k: v for k, v in given.items() if v is not None})
        printout = location_labels(**args, limit=None)
    except ValidationError as e:
        raise click.UsageError(_problems(e.messages))
    except ApiError as e:
        raise click.ClickException(_problems(e.errors) if e.errors else e.message)
    path = output or printout.filename
    try:
        with click.open_file(path, "wb") as out:
            out.write(printout.body)
    except OSError as e:
        raise click.ClickException(f"cannot write {path}: {e.strerror}")
    if path != "-":
        _emit(as_json, {"labels": printout.count, "format": format_, "output": path},
              f"Wrote {printout.count} label(s) to {path}.")


def _problems(errors):
    """marshmallow's {"field": ["message"]} as one line, with the CLI's option names."""
    options = {"warehouse_id": "--warehouse", "mapped_string": "--code", "ids": "--id"}
    return "; ".join(f"{options.get(field, '--' + field)}: {' '.join(messages)}"
                     for field, messages in errors.items())


@users_cli.command("create")
@click.option("--name", required=True)
@click.option("--email", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="At least 8 characters (asked for when not given).")
@click.option("--admin", is_flag=True, help="May manage users.")
@click.option("--json", "as_json", is_flag=True, help="Print the user as JSON.")
def create_user_command(name, email, password, admin, as_json):
    """Create a user (the password is stored hashed)."""
    try:
        data = NewUserSchema().load(
            {"name": name, "email": email, "password": password, "is_admin": admin})
        user = users.add_user(data)
    except ValidationError as e:
        raise click.ClickException("; ".join(f"{k}: {' '.join(v)}" for k, v in e.messages.items()))
    except ApiError as e:
        problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in (e.errors or {}).items())
        raise click.ClickException(problems or e.message)
    _emit(as_json, UserSchema().dump(user), f"User {user.id} <{user.email}> created.")


def register_commands(app):
    app.cli.add_command(users_cli)
    app.cli.add_command(oauth_cli)
    app.cli.add_command(wms_cli)
