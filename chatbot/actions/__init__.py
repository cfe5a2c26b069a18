"""The chatbot's custom actions, served by rasa-sdk from .venv on port 5055.

`python -m chatbot.action_server` (rasa-sdk's app behind Payline's shared-secret check)
imports every module of this package. The actions are thin: they read the tracker, call a
domain service and answer. They trust the tracker they are sent, which is why only Rasa,
holding the secret, may call them. Importing them opens no database connection
(chatbot.actions.services builds the adapters on first use).
"""
