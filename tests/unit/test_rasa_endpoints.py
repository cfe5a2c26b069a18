"""Rasa's endpoints built from Payline's environment (ivr/bot/rasa_endpoints.py)."""

from __future__ import annotations

import json
from pathlib import Path

from ruamel.yaml import YAML

from ivr.bot.rasa_endpoints import DEFAULT_ACTIONS_URL, rasa_endpoints, render

VAR = Path("/srv/payline/var")


def test_development_defaults_sqlite_file_of_its_own_and_in_memory_locks() -> None:
    config = rasa_endpoints({}, VAR)
    # The action server's development secret goes with every action call (issue 14 §1).
    assert config["action_endpoint"] == {
        "url": DEFAULT_ACTIONS_URL,
        "headers": {"X-Payline-Action-Secret": "payline-local-actions-secret"}}
    assert config["tracker_store"] == {"type": "SQL", "dialect": "sqlite",
                                       "db": "/srv/payline/var/rasa_tracker.db"}
    assert config["lock_store"] == {"type": "in_memory"}


def test_sqlite_app_database_still_gets_a_separate_tracker_file() -> None:
    config = rasa_endpoints({"PAYLINE_DATABASE_URL": "sqlite:////srv/payline/var/payline.db"},
                            VAR)
    assert config["tracker_store"]["db"] == "/srv/payline/var/rasa_tracker.db"


def test_postgresql_app_database_hosts_the_tracker_store() -> None:
    config = rasa_endpoints(
        {"PAYLINE_DATABASE_URL": "postgresql+psycopg://payline:p%40ss@db.internal:6543/city"},
        VAR)
    assert config["tracker_store"] == {"type": "SQL", "dialect": "postgresql",
                                       "url": "db.internal", "port": 6543, "db": "city",
                                       "username": "payline", "password": "p@ss"}


def test_a_tracker_database_of_its_own_wins() -> None:
    config = rasa_endpoints({"PAYLINE_DATABASE_URL": "postgresql://a@h/app",
                             "PAYLINE_RASA_TRACKER_URL": "postgresql://r@h2/rasa"}, VAR)
    assert config["tracker_store"]["db"] == "rasa"
    assert config["tracker_store"]["url"] == "h2"


def test_redis_lock_store_for_several_rasa_instances() -> None:
    config = rasa_endpoints({"PAYLINE_REDIS_URL": "rediss://:s%3Acret@cache:6380/2"}, VAR)
    assert config["lock_store"] == {"type": "redis", "url": "cache", "port": 6380, "db": 2,
                                    "password": "s:cret", "key_prefix": "payline",
                                    "use_ssl": True}


def test_actions_url_is_configurable() -> None:
    config = rasa_endpoints({"PAYLINE_ACTIONS_URL": "http://actions:5055/webhook"}, VAR)
    assert config["action_endpoint"]["url"] == "http://actions:5055/webhook"


def test_rendered_file_is_yaml_rasa_can_read() -> None:
    text = render(rasa_endpoints({}, VAR))
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    assert json.loads(body)["lock_store"]["type"] == "in_memory"


def test_the_action_secret_comes_from_the_environment() -> None:
    config = rasa_endpoints({"PAYLINE_ACTIONS_SECRET": " s3cret-from-env "}, VAR)
    assert config["action_endpoint"]["headers"] == {"X-Payline-Action-Secret": "s3cret-from-env"}
    assert DEFAULT_ACTIONS_URL == "http://127.0.0.1:5055/webhook"  # the server's loopback


def test_the_hand_run_endpoints_file_matches_the_development_action_server() -> None:
    hand = YAML(typ="safe").load((Path(__file__).resolve().parents[2] / "chatbot"
                                  / "endpoints.yml").read_text())
    assert hand["action_endpoint"] == rasa_endpoints({}, VAR)["action_endpoint"]
