"""The merged request parameters: query string, then form, then JSON body (Laravel's all())."""
import json

from flask import g, request
from marshmallow import ValidationError

from wms.errors import INVALID_PARAMS, ApiError


def _multidict(values):
    """Last value wins, as in PHP; `name[]` keys collect a list, as PHP parses them."""
    merged = {}
    for key, items in values.lists():
        if key.endswith("[]"):
            merged[key[:-2]] = list(items)
        else:
            merged[key] = items[-1]
    return merged


def _json_body():
    if not request.is_json:
        return {}
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
        # Lone surrogates ("\ud800") parse, but no database or header can hold them.
        json.dumps(body, ensure_ascii=False).encode()
    except (ValueError, RecursionError):
        raise ApiError(INVALID_PARAMS, 400, {"body": ["El cuerpo no es JSON valido."]})
    if not isinstance(body, dict):
        raise ApiError(INVALID_PARAMS, 400, {"body": ["El cuerpo JSON debe ser un objeto."]})
    return body


def request_params():
    """The request's parameters as one dict, computed once per request."""
    if "params" not in g:
        params = _multidict(request.args)
        if not request.is_json:
            params.update(_multidict(request.form))
        params.update(_json_body())
        g.params = params
    return g.params


def load(schema, message=INVALID_PARAMS):
    """Validate the request's parameters with a marshmallow schema, or raise a 400 ApiError."""
    try:
        return schema.load(request_params())
    except ValidationError as e:
        raise ApiError(message, 400, e.messages)
