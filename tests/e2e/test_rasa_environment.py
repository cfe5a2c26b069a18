"""The Rasa environment `make` bootstraps: Python 3.10 with rasa 3.6.21, separate from .venv."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"


def test_rasa_venv_has_rasa_3_6_21_on_python_3_10():
    out = subprocess.run(
        [str(RASA_PYTHON), "-c",
         "import sys, importlib.metadata as m; "
         "print(sys.version_info[:2], m.version('rasa'))"],
        capture_output=True, text=True, timeout=120, check=True).stdout
    assert out.strip() == "(3, 10) 3.6.21"


def test_project_venv_is_python_3_11_with_rasa_sdk_not_rasa():
    import importlib.metadata as metadata
    import sys

    assert sys.version_info[:2] == (3, 11)
    assert metadata.version("rasa-sdk").startswith("3.")
    with pytest.raises(metadata.PackageNotFoundError):
        metadata.version("rasa")
