"""Payline's shared domain layer: accounts, bills, payments, paperless billing.

Plain Python: no Flask, no Twilio, no Rasa. Channels (ivr/, chatbot/actions/) call the services
in domain/services; persistence and outside systems sit behind the ports in domain/ports.py.
"""
