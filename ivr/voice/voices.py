"""The TTS voice and speech-recognition language for each caller language. Polly voices,
because Twilio's basic voices ignore SSML (<say-as>) and amounts and dates must read well."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Voice:
    language: str  # BCP-47 code for <Say language> and <Gather language>
    name: str  # Twilio <Say voice>


VOICES = {
    "en": Voice(language="en-US", name="Polly.Joanna"),
    "es": Voice(language="es-US", name="Polly.Lupe"),
}


def voice_for(language: str) -> Voice:
    return VOICES.get(language, VOICES["en"])
