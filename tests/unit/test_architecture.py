"""The import rules of the layers (docs/architecture.md §1), checked on every module: the domain
knows no channel and no conversation, the conversation layer knows no channel framework, and
production code reaches the sandbox only through ivr/sandbox_wiring.py."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHANNEL_FRAMEWORKS = {"flask", "werkzeug", "twilio", "rasa", "rasa_sdk", "requests", "waitress",
                      "click"}
OUR_PACKAGES = {"domain", "conversation", "ivr", "chatbot", "sandbox"}
SANDBOX_DOOR = ROOT / "ivr" / "sandbox_wiring.py"


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    """Top-level names of every module the file imports, at any depth (lazy imports count)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _ids(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", _modules("domain"), ids=_ids)
def test_domain_imports_no_channel_and_no_conversation(path):
    forbidden = CHANNEL_FRAMEWORKS | (OUR_PACKAGES - {"domain"})
    if "adapters" in path.parts:
        # Production adapters talk HTTP to Twilio's REST API themselves (no Twilio SDK).
        forbidden -= {"requests"}
    assert not _imports(path) & forbidden


@pytest.mark.parametrize("path", _modules("conversation"), ids=_ids)
def test_conversation_imports_only_the_domain(path):
    assert not _imports(path) & (CHANNEL_FRAMEWORKS | {"sqlalchemy", "ivr", "chatbot", "sandbox"})


@pytest.mark.parametrize("path", _modules("ivr") + _modules("chatbot") + _modules("domain")
                         + _modules("conversation"), ids=_ids)
def test_only_the_sandbox_wiring_imports_the_sandbox(path):
    if path != SANDBOX_DOOR:
        assert "sandbox" not in _imports(path)


def test_the_sandbox_wiring_is_the_door():
    # If it stopped importing the sandbox, the rule above would protect nothing worth having.
    assert "sandbox" in _imports(SANDBOX_DOOR)


@pytest.mark.parametrize("path", _modules("chatbot"), ids=_ids)
def test_chatbot_actions_do_not_reach_into_web_views(path):
    # The actions run in the action server: they use the conversation layer and the
    # composition root, never a Flask view or the voice/SMS channels.
    forbidden = ("ivr.voice", "ivr.sms", "ivr.chat", "ivr.pay", "ivr.agent", "ivr.paperless",
                 "ivr.web")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            assert not node.module.startswith(forbidden), node.module


def test_services_do_not_import_sqlalchemy():
    # Services talk to ports; only adapters know the ORM.
    for path in (ROOT / "domain" / "services").rglob("*.py"):
        assert "sqlalchemy" not in _imports(path), path


def test_production_adapters_hold_no_stand_in():
    names = {p.stem for p in (ROOT / "domain" / "adapters").glob("*.py")}
    assert not {n for n in names if n.startswith(("sandbox", "demo", "wiring"))
                or "benchmark" in n}


def test_money_never_uses_float_arithmetic():
    for path in _modules("domain") + _modules("conversation"):
        assert "float(" not in path.read_text(encoding="utf-8"), path
