"""The secret key that signs sessions and token cookies is never one anyone could know."""
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from wms import create_app
from wms.security import SecretKeyMissing

ROOT = Path(__file__).resolve().parent.parent
OLD_DEVELOPMENT_VALUE = "dev-secret-change-me"
LONG_KEY = "k" * 48


def app_with(config_class, **settings):
    class Config(config_class):
        pass

    for name, value in settings.items():
        setattr(Config, name, value)
    return create_app(Config)


@pytest.mark.parametrize("value", ["", OLD_DEVELOPMENT_VALUE, "short-key"])
def test_the_app_refuses_to_start_without_a_usable_key(config_class, tmp_path, value):
    missing = tmp_path / "nothing-here"
    with pytest.raises(SecretKeyMissing) as refused:
        app_with(config_class, SECRET_KEY=value, SECRET_KEY_FILE=str(missing))
    assert "SECRET_KEY" in str(refused.value) or str(missing) in str(refused.value)


def test_a_published_or_short_key_in_the_file_is_refused_too(config_class, tmp_path):
    path = tmp_path / "secret-key"
    for value in (OLD_DEVELOPMENT_VALUE, "short"):
        path.write_text(value + "\n")
        with pytest.raises(SecretKeyMissing, match=str(path)):
            app_with(config_class, SECRET_KEY="", SECRET_KEY_FILE=str(path))


def test_the_key_is_read_from_the_file_when_the_variable_is_unset(config_class, tmp_path):
    path = tmp_path / "secret-key"
    path.write_text(LONG_KEY + "\n")
    app = app_with(config_class, SECRET_KEY="", SECRET_KEY_FILE=str(path))
    assert app.config["SECRET_KEY"] == LONG_KEY


def test_the_variable_wins_over_the_file(config_class, tmp_path):
    path = tmp_path / "secret-key"
    path.write_text("f" * 48)
    app = app_with(config_class, SECRET_KEY=LONG_KEY, SECRET_KEY_FILE=str(path))
    assert app.config["SECRET_KEY"] == LONG_KEY


def test_a_server_without_a_key_does_not_start(tmp_path):
    """gunicorn imports wsgi: without SECRET_KEY and its file, the import fails, clearly."""
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(SECRET_KEY_FILE=str(tmp_path / "absent"), DATABASE_URL="sqlite://")
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "SecretKeyMissing: SECRET_KEY is not set" in result.stderr
    assert "make setup" in result.stderr


def test_make_writes_a_random_key_once(tmp_path):
    def make():
        subprocess.run(["make", "-s", "-f", str(ROOT / "Makefile"), "-C", str(tmp_path),
                        "PYTHON=" + sys.executable, "instance/secret-key"],
                       check=True, capture_output=True, timeout=60)
        return (tmp_path / "instance" / "secret-key").read_text()

    first = make()
    assert len(first.strip()) >= 48
    assert make() == first  # kept: sessions survive a restart
    mode = stat.S_IMODE((tmp_path / "instance" / "secret-key").stat().st_mode)
    assert mode == 0o600

    other = tmp_path / "other"
    other.mkdir()
    subprocess.run(["make", "-s", "-f", str(ROOT / "Makefile"), "-C", str(other),
                    "PYTHON=" + sys.executable, "instance/secret-key"],
                   check=True, capture_output=True, timeout=60)
    assert (other / "instance" / "secret-key").read_text() != first
