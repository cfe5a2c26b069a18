"""The domain services the actions call, built once per action-server process on first use
(never at import time), from the same environment variables as the web app."""

from __future__ import annotations

import os
import threading

from domain.config import Settings
from ivr.bootstrap import Container, build_container

_lock = threading.Lock()
_container: Container | None = None


def container() -> Container:
    global _container
    with _lock:
        if _container is None:
            _container = build_container(Settings.from_env())
        return _container


def use_container(replacement: Container | None) -> None:
    """Tests (and the benchmark) run the actions against a container of their own."""
    global _container
    with _lock:
        _container = replacement


def public_url() -> str:
    """The base URL residents open links on (secure pay links)."""
    return os.environ.get("PAYLINE_PUBLIC_URL", "http://localhost:5000").rstrip("/")
