"""The scripts the payment page loads, and the Content-Security-Policy built from them
(PCI DSS 4.0 requirement 6.4.3: an inventory of every script on a payment page, with why it is
there, each one authorized and its integrity assured). docs/payment-page-scripts.md shows this
inventory; tests/unit/test_pay_scripts.py keeps the two in step.

Only the card step in Stripe mode runs scripts. Every other pay page (the choice, the bank
form, review, confirmation, problems), and the whole pay page in sandbox mode, runs none: its
policy has no script-src at all, so `default-src 'none'` forbids every script.

- Stripe.js comes from Stripe (production: https://js.stripe.com/v3/, the one place Stripe
  allows it to be loaded from; tests and a local trial: localstripe's shim, beside its fake
  API). Stripe changes that file in place and does not support Subresource Integrity for it,
  so it is authorized by its origin instead of a hash.
- The page's own script is a static file of this app. Its sha384 is computed from the file
  when this module is imported (at startup): the page's <script> carries it as `integrity`
  (the browser refuses the file if it ever differs) and script-src lists it next to the
  file's exact URL.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from domain.config import STRIPE_JS_URL, StripeSettings

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_URL_PATH = "/pay/static"

# Stripe's published sources for Stripe.js (https://docs.stripe.com/security/guide, "Content
# Security Policy"): the script and its helper frames, the API it calls, 3-D Secure pages.
STRIPE_SCRIPT_SOURCES = ("https://js.stripe.com", "https://*.js.stripe.com")
STRIPE_FRAME_SOURCES = ("https://js.stripe.com", "https://*.js.stripe.com",
                        "https://hooks.stripe.com")
STRIPE_CONNECT_SOURCES = ("https://api.stripe.com",)


def file_integrity(path: Path) -> str:
    """The Subresource Integrity value of a file: sha384, base64."""
    digest = hashlib.sha384(path.read_bytes()).digest()
    return "sha384-" + base64.b64encode(digest).decode("ascii")


@dataclass(frozen=True)
class PageScript:
    """One script of the payment page's inventory."""

    name: str
    source: str  # where it comes from, as the docs state it
    purpose: str  # why the payment page needs it
    static_file: str | None = None  # this app's own file, under ivr/pay/static
    integrity: str | None = None  # sha384 of that file, computed at startup

    @property
    def path(self) -> str | None:
        """The URL path of an own static file."""
        return f"{STATIC_URL_PATH}/{self.static_file}" if self.static_file else None


STRIPE_JS = PageScript(
    name="Stripe.js",
    source="Stripe: settings.stripe.js_url (https://js.stripe.com/v3/ in production; "
           "localstripe's shim at <PAYLINE_STRIPE_API_URL>/js.stripe.com/v3/ in the tests "
           "and a local trial)",
    purpose="Draws the card number, expiry and security code fields in Stripe's own frames "
            "and sends them to Stripe only; confirms the SetupIntent and runs the bank's "
            "3-D Secure check on the page. Payline's server never sees the card.",
)
PAY_CARD_JS = PageScript(
    name="pay-card.js",
    source="Payline: ivr/pay/static/pay-card.js, served by this app",
    purpose="Mounts Stripe's card field on the card step, calls stripe.confirmCardSetup with "
            "the SetupIntent's client secret when the resident continues, shows Stripe's "
            "error if any, and posts only the resulting PaymentMethod id (pm_…) to "
            "/pay/<token>/method.",
    static_file="pay-card.js",
    integrity=file_integrity(STATIC_DIR / "pay-card.js"),
)

# The payment page's scripts, in the order the page loads them.
PAYMENT_PAGE_SCRIPTS: tuple[PageScript, ...] = (STRIPE_JS, PAY_CARD_JS)


@dataclass(frozen=True)
class ScriptTag:
    """A <script> the card page renders."""

    src: str
    integrity: str | None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def is_stripe_hosted(stripe: StripeSettings) -> bool:
    """Stripe.js from Stripe itself (production), rather than localstripe's shim."""
    return stripe.js_url == STRIPE_JS_URL


def script_tags(stripe: StripeSettings) -> tuple[ScriptTag, ...]:
    """The card page's <script> elements, from the inventory."""
    tags = []
    for script in PAYMENT_PAGE_SCRIPTS:
        if script is STRIPE_JS:
            tags.append(ScriptTag(stripe.js_url, None))
        else:
            assert script.path is not None
            tags.append(ScriptTag(script.path, script.integrity))
    return tuple(tags)


def script_sources(stripe: StripeSettings, page_origin: str) -> tuple[str, ...]:
    """script-src: exactly the inventory's scripts. Stripe.js by Stripe's origins (it loads its
    own helpers from there) or, for localstripe, the shim's exact URL; an own file by its exact
    URL on the page's origin and by its hash."""
    sources: list[str] = []
    for script in PAYMENT_PAGE_SCRIPTS:
        if script is STRIPE_JS:
            sources += (STRIPE_SCRIPT_SOURCES if is_stripe_hosted(stripe)
                        else [stripe.js_url])
        else:
            sources.append(f"{page_origin.rstrip('/')}{script.path}")
            if script.integrity:
                sources.append(f"'{script.integrity}'")
    return tuple(sources)


def card_page_policy(stripe: StripeSettings, page_origin: str) -> str:
    """The Content-Security-Policy of the card step in Stripe mode: nothing but the
    inventory's scripts, Stripe's frames and API, this app's stylesheet and forms."""
    frames: tuple[str, ...]
    connect: tuple[str, ...]
    if is_stripe_hosted(stripe):
        frames, connect = STRIPE_FRAME_SOURCES, STRIPE_CONNECT_SOURCES
    else:  # localstripe: its shim calls its own origin; it opens no frames of its own
        frames = connect = (_origin(stripe.api_url),)
    directives = [
        ("default-src", ("'none'",)),
        ("script-src", script_sources(stripe, page_origin)),
        ("frame-src", frames),
        ("connect-src", connect),
        ("style-src", ("'self'",)),
        ("form-action", ("'self'",)),
        ("frame-ancestors", ("'none'",)),
        ("base-uri", ("'none'",)),
    ]
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives)
