"""The phone payment line: Twilio voice webhooks (ivr.voice.views), the call flow's steps
(ivr.voice.steps), its engine, TwiML builders and prompts in English and Spanish."""
