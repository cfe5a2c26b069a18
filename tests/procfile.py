"""The processes `make run` starts, read from the Procfile itself, so tests run exactly what
production runs (the same server flags), not a copy that can drift from it."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROCFILE = ROOT / "Procfile"
_DEFAULTED = re.compile(r"\$\{(\w+):-([^}]*)\}")


def procfile_command(name: str, env: Mapping[str, str]) -> list[str]:
    """The Procfile's command for process `name`, with ${VAR:-default} taken from `env` and
    the project's .venv paths made absolute. (Only simple lines: one command, no `&&`.)"""
    for line in PROCFILE.read_text().splitlines():
        process, _, command = line.partition(":")
        if process.strip() == name:
            expanded = _DEFAULTED.sub(lambda m: env.get(m.group(1)) or m.group(2), command)
            return [str(ROOT / part) if part.startswith(".venv/") else part
                    for part in shlex.split(expanded)]
    raise KeyError(f"no process {name!r} in {PROCFILE}")
