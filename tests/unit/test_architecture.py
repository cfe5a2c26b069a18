"""The domain layer stays free of channel frameworks (DESIGN §1): no Flask, Twilio or Rasa."""

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "domain"
FORBIDDEN = ("flask", "werkzeug", "twilio", "rasa", "rasa_sdk", "ivr", "chatbot")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted(DOMAIN.rglob("*.py")),
                         ids=lambda p: str(p.relative_to(DOMAIN)))
def test_domain_module_imports_no_channel_framework(path):
    assert not _imports(path) & set(FORBIDDEN)


def test_services_do_not_import_sqlalchemy():
    # Services talk to ports; only adapters know the ORM.
    for path in (DOMAIN / "services").rglob("*.py"):
        assert "sqlalchemy" not in _imports(path), path


def test_money_never_uses_float_arithmetic():
    for path in DOMAIN.rglob("*.py"):
        assert "float(" not in path.read_text(encoding="utf-8"), path
