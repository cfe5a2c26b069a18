"""The one gate every outbound text passes: a number that texted STOP gets nothing until it
texts START (CTIA / carrier rules, docs/architecture.md §6), whatever the transport behind it (the
outbox or
Twilio). The number is normalized to E.164 here, so "(312) 555-0101" and "+13125550101" are
the same number both for the opt-out check and for the transport."""

from __future__ import annotations

import dataclasses
import logging

from domain.errors import RecipientOptedOut
from domain.phone import mask_phone, normalize_phone
from domain.ports import Notification, Notifier, SmsConsent

log = logging.getLogger(__name__)

SMS = "sms"


class ConsentCheckingSmsNotifier(Notifier):
    """Refuses (RecipientOptedOut) a text to an opted-out number before `inner` sees it;
    other texts go to `inner` with the number in E.164. Non-SMS notifications pass through."""

    def __init__(self, inner: Notifier, consent: SmsConsent) -> None:
        self._inner = inner
        self._consent = consent

    def send(self, notification: Notification) -> None:
        if (notification.channel or "").strip().lower() != SMS:
            self._inner.send(notification)
            return
        to = normalize_phone(notification.to)  # InvalidPhoneNumber for anything else
        if self._consent.is_opted_out(to):
            # Debug only: the caller decides how much a refused text matters and logs that.
            log.debug("not texting %s to %s: the number opted out",
                     notification.kind or "message", mask_phone(to))
            raise RecipientOptedOut()
        self._inner.send(dataclasses.replace(notification, to=to))
