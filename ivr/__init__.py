"""The Flask app: Twilio voice + SMS webhooks, pay page, 311 agent console, web chat page.

Views are thin: they parse the request, call a domain service and render. `create_app()` builds
the adapters lazily from the environment, so importing this package touches no database.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from domain.config import PROCESSOR_STRIPE, Settings
from domain.production import check_production_secrets
from ivr.bootstrap import Container, build_container
from ivr.logging_setup import configure_logging
from ivr.sandbox_wiring import sandbox_blueprints
from ivr.settings import ChannelSettings
from ivr.web.errors import register_error_handlers
from ivr.web.health import health

# Each channel's views, as "module:blueprint"; imported when an app is built.
BLUEPRINTS: tuple[str, ...] = (
    "ivr.voice.views:voice",
    "ivr.paperless.views:paperless_page",
    "ivr.pay.views:pay_page",
    "ivr.chat.views:chat_page",
    "ivr.sms.views:sms",
    "ivr.agent.views:agent",
)
# Mounted only with PAYLINE_PROCESSOR=stripe: the processor's signed webhooks.
STRIPE_BLUEPRINTS: tuple[str, ...] = ("ivr.webhooks.views:stripe_webhooks",)


def blueprints_for(settings: Settings) -> tuple[str, ...]:
    """The blueprints an app with these settings mounts."""
    stripe = STRIPE_BLUEPRINTS if settings.processor == PROCESSOR_STRIPE else ()
    return BLUEPRINTS + stripe + sandbox_blueprints(settings)


def create_app(settings: Settings | None = None, channel_settings: ChannelSettings | None = None,
               container: Container | None = None, **flask_config: Any) -> Flask:
    # Fails closed: in production mode no app is built while a secret is missing.
    check_production_secrets(os.environ)
    configure_logging()
    app = Flask(__name__)
    channels = channel_settings or ChannelSettings.from_env()
    app.config.update(SECRET_KEY=channels.secret_key, JSON_SORT_KEYS=False,
                      # The session carries CSRF tokens for the web pages.
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=channels.public_url.startswith("https://"),
                      **flask_config)
    if channels.trusted_proxies:
        # Believe X-Forwarded-For/-Proto only from the configured hops (the rightmost entries,
        # which our own proxies appended): request.remote_addr is then the real client. With
        # none configured, such headers are ignored, so nobody can pick an address to throttle.
        hops = channels.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    container = container or build_container(settings)
    app.extensions["payline"] = container
    app.extensions["payline.channels"] = channels
    register_error_handlers(app)
    app.register_blueprint(health)
    for name in blueprints_for(container.settings):
        module, attribute = name.split(":")
        app.register_blueprint(getattr(importlib.import_module(module), attribute))
    return app
