"""GET /openapi.json: the OpenAPI 3.1 document of every route (wms/openapi.py); GET /docs: Swagger
UI on it, from the files the flask-swagger-ui package installs (no CDN: a store's server may be
offline), started by wms/static/docs.js under the page's Content-Security-Policy."""
import os

import flask_swagger_ui
from flask import Blueprint, current_app, render_template, send_from_directory

from wms.http import DOCS_CSP, csp_nonce
from wms.openapi import HTML, doc, document

SWAGGER_UI = os.path.join(os.path.dirname(flask_swagger_ui.__file__), "dist")

bp = Blueprint("openapi", __name__)
assets = Blueprint("docs", __name__)


@bp.get("/openapi.json")
@doc(security=[])
def show():
    """This server's OpenAPI 3.1 document."""
    return document(current_app._get_current_object())


@bp.get("/docs")
@doc(content=HTML, security=[])
def page():
    """Swagger UI on /openapi.json: try the routes with a token (Authorize)."""
    html = render_template("docs.html")
    return html, 200, {"Content-Security-Policy": DOCS_CSP.format(nonce=csp_nonce())}


@assets.get("/docs/assets/<path:filename>")
def asset(filename):
    return send_from_directory(SWAGGER_UI, filename, max_age=3600)
