"""What each language's chatbot model is trained from, and the `rasa train` that makes it.

Rasa 3.6 takes one language per model, so English and Spanish each have a model of their own
(ivr/bot/rasa_process.py MODELS). Both share the dialogue: the domain's intents, slots, forms
and actions (chatbot/domain.yml) and the rules (chatbot/data/); each has its own NLU data
(data/nlu/*.yml, data/nlu/es/*.yml), config and fixed responses
(chatbot/responses/<language>.yml). `payline chatbot-train` (what `make model` runs) and the
tests that validate the data use these same paths.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ivr.bot.rasa_process import MODELS, RASA, ROOT

LANGUAGES = tuple(MODELS)
DOMAIN = ROOT / "chatbot" / "domain.yml"
RULES = ROOT / "chatbot" / "data"
CONFIGS = {"en": ROOT / "chatbot" / "config.yml", "es": ROOT / "chatbot" / "config.es.yml"}
NLU_DIRS = {"en": ROOT / "data" / "nlu", "es": ROOT / "data" / "nlu" / "es"}


def responses_file(language: str) -> Path:
    return ROOT / "chatbot" / "responses" / f"{_known(language)}.yml"


def nlu_files(language: str) -> list[Path]:
    """The language's NLU files: English's are data/nlu/*.yml only, not the es/ folder
    beside them (a folder given to Rasa is read recursively)."""
    return sorted(NLU_DIRS[_known(language)].glob("*.yml"))


def assemble_domain(language: str, out: Path) -> Path:
    """The language's domain as a directory Rasa merges: the shared domain.yml beside the
    language's responses. Returns `out`."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shutil.copyfile(DOMAIN, out / "domain.yml")
    shutil.copyfile(responses_file(language), out / "responses.yml")
    return out


def train_command(language: str, domain: Path, out_dir: Path) -> list[str]:
    """`rasa train` of the language's model into out_dir/payline-<language>.tar.gz."""
    return [str(RASA), "train", "--config", str(CONFIGS[_known(language)]),
            "--domain", str(domain), "--data", *map(str, nlu_files(language)), str(RULES),
            "--out", str(out_dir), "--fixed-model-name", f"payline-{language}"]


def validate_command(language: str, domain: Path) -> list[str]:
    """`rasa data validate` of the language's NLU data, rules and domain."""
    return [str(RASA), "data", "validate", "--domain", str(domain), "--data",
            *map(str, nlu_files(language)), str(RULES), "--config",
            str(CONFIGS[_known(language)])]


def _known(language: str) -> str:
    if language not in MODELS:
        raise ValueError(f"no chatbot model for language {language!r}")
    return language
