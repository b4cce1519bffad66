"""Floor (a) of the benchmark: the HTTP floor.

Answers every request with fixed bytes, `bench_size` of them (a query parameter), with the
status `bench_status` (200 by default), after reading the request body: what gunicorn, its
workers and the loopback cost for an answer of that size, with no application at all.
"""
from urllib.parse import parse_qsl

_bodies = {}


def _body(size):
    if size not in _bodies:
        filler = max(size - len('{"x":""}\n'), 0)
        _bodies[size] = ('{"x":"' + "x" * filler + '"}\n').encode()[:size]
    return _bodies[size]


def app(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length:
        environ["wsgi.input"].read(length)
    query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
    body = _body(int(query.get("bench_size", 2)))
    start_response(f"{query.get('bench_status', '200')} OK", [
        ("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
