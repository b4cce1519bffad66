"""gunicorn settings for wms: `gunicorn -c gunicorn.conf.py wsgi:app` (`make serve`, the README's
systemd unit). Environment: HOST and PORT (bind), WORKERS or WEB_CONCURRENCY, LOG_LEVEL; any
other gunicorn setting through GUNICORN_CMD_ARGS or the command line, which win over this file.
"""
import os


def _cpus():
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use (containers, taskset)
    except AttributeError:
        return os.cpu_count() or 1


bind = f"{os.environ.get('HOST') or '127.0.0.1'}:{os.environ.get('PORT') or '8000'}"
# Sync workers: a request waits on the database most of its time; (2 x CPUs) + 1 keeps the
# CPUs busy meanwhile (gunicorn's advice).
workers = int(os.environ.get("WORKERS") or os.environ.get("WEB_CONCURRENCY") or 2 * _cpus() + 1)
# A request taking longer is stuck: its worker is killed and replaced (its transaction, never
# committed, is rolled back by the database).
timeout = 30
# On SIGTERM (systemctl stop/restart), requests in progress get this long to finish.
graceful_timeout = 30
# No preload: each worker opens its own database connections after the fork.
preload_app = False
# gunicorn 25+'s control socket (for gunicornc) sits at one path per user, which two servers on
# a host would share; systemd's signals (stop, reload) are all wms needs.
control_socket_disable = True

# Logs: the app writes the access log itself, one line per request on the `wms.request` logger
# (request id, method, path without the query string, status, duration, client, user; never a
# token or secret: wms/http.py), to stdout; gunicorn's and the app's other messages go to
# stderr. gunicorn's own access log stays off: its request line would carry query strings.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
_level = loglevel.upper()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s",
                 "datefmt": "%Y-%m-%dT%H:%M:%S%z"},
    },
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "formatter": "line",
                   "stream": "ext://sys.stdout"},
        "stderr": {"class": "logging.StreamHandler", "formatter": "line",
                   "stream": "ext://sys.stderr"},
    },
    "root": {"level": "WARNING", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": _level, "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        "wms": {"level": _level, "handlers": ["stderr"], "propagate": False},
        "wms.request": {"level": _level, "handlers": ["stdout"], "propagate": False},
    },
}
