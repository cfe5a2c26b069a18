"""The Payline chatbot: the Rasa project (YAML beside this file) and its custom actions."""
