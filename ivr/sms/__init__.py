"""The SMS channel: Twilio's Messaging webhook (/sms), the thread's keyword tasks
(text-to-pay) and the Rasa bot over text."""
