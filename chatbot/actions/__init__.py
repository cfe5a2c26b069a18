"""The chatbot's custom actions, served by rasa-sdk from .venv on port 5055.

`python -m rasa_sdk --actions chatbot.actions` imports every module of this package. The
actions are thin: they read the tracker, call a domain service and answer. Importing them
opens no database connection (chatbot.actions.services builds the adapters on first use).
"""
