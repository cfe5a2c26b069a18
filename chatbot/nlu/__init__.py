"""Rasa pipeline components of our own (loaded by Rasa from chatbot/config.yml)."""
