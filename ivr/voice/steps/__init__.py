"""The call states of the phone line, one module per flow. Importing this package registers
every step in ivr.voice.flow.STEPS."""

from ivr.voice.steps import (  # noqa: F401  (registers the steps)
    balance,
    identify,
    paperless,
    pay,
    review,
    schedule,
    start,
    transfer,
)
