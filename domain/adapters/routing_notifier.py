"""One Notifier for the services, several transports behind it: SMS and email go their own ways
(e.g. email over SMTP, SMS to the outbox until an SMS sender exists)."""

from __future__ import annotations

from domain.errors import InvalidInput
from domain.ports import Notification, Notifier


class RoutingNotifier(Notifier):
    """Hands each notification to the notifier of its channel ("sms" or "email")."""

    def __init__(self, sms: Notifier, email: Notifier) -> None:
        self._routes: dict[str, Notifier] = {"sms": sms, "email": email}

    def send(self, notification: Notification) -> None:
        channel = (notification.channel or "").strip().lower()
        route = self._routes.get(channel)
        if route is None:
            raise InvalidInput("A notification goes by sms or email.")
        route.send(notification)
