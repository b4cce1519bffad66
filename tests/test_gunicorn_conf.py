"""gunicorn.conf.py: bind and workers from the environment, no access log of gunicorn's own."""
import os
import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
VARIABLES = ("HOST", "PORT", "WORKERS", "WEB_CONCURRENCY", "LOG_LEVEL")


@pytest.fixture
def conf(monkeypatch):
    """conf(**environment) -> the settings gunicorn.conf.py makes with exactly that environment
    (of its own variables)."""
    def settings(**environ):
        for name in VARIABLES:
            monkeypatch.delenv(name, raising=False)
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(CONF))

    return settings


def test_defaults(conf):
    settings = conf()

    assert settings["bind"] == "127.0.0.1:8000"
    assert settings["workers"] == 2 * len(os.sched_getaffinity(0)) + 1
    assert settings["timeout"] > 0 and settings["graceful_timeout"] > 0
    assert settings["preload_app"] is False


def test_the_environment_sets_bind_and_workers(conf):
    assert conf(HOST="0.0.0.0", PORT="9000")["bind"] == "0.0.0.0:9000"
    assert conf(WEB_CONCURRENCY="3")["workers"] == 3
    assert conf(WORKERS="4", WEB_CONCURRENCY="3")["workers"] == 4
    assert conf(WORKERS="", PORT="")["bind"] == "127.0.0.1:8000"  # make's empty variables


def test_requests_are_logged_by_the_app_only(conf):
    """gunicorn's access line would carry the query string; the app's line never does."""
    settings = conf(LOG_LEVEL="WARNING")
    loggers = settings["logconfig_dict"]["loggers"]

    assert settings["accesslog"] is None
    assert loggers["gunicorn.access"]["handlers"] == []
    assert loggers["wms.request"] == {"level": "WARNING", "handlers": ["stdout"],
                                      "propagate": False}
    assert loggers["wms"]["handlers"] == ["stderr"]
