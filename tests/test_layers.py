"""Lower layers never import higher ones (DESIGN 7): models and services know nothing of the
views, the JSON shapes or the OAuth server; leaf modules hold what they all share."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "wms"
HIGHER = ("wms.api", "wms.schemas", "wms.oauth", "wms.cli")
LOWER = ["models", "services", "keys.py", "access_tokens.py", "values.py", "security.py",
         "errors.py", "params.py", "extensions.py", "labels.py"]


def imports(path):
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name


@pytest.mark.parametrize("part", LOWER)
def test_lower_layers_import_no_higher_one(part):
    paths = sorted((ROOT / part).rglob("*.py")) if (ROOT / part).is_dir() else [ROOT / part]
    wrong = [f"{path.relative_to(ROOT.parent)}:{line} imports {module}"
             for path in paths for line, module in imports(path)
             if module.startswith(HIGHER)]
    assert wrong == []
