"""The payment page's script inventory (ivr/pay/scripts.py): the hash is the file's, the policy
lists exactly the inventory in production and with localstripe, the docs show the inventory,
no pay template has an inline script, and the SCA decline wording."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from domain.adapters.stripe_setup import setup_intent_id
from domain.config import StripeSettings
from domain.declines import AUTHENTICATION_REQUIRED, decline_reason
from ivr.pay.scripts import (
    PAY_CARD_JS,
    PAYMENT_PAGE_SCRIPTS,
    STATIC_DIR,
    STRIPE_JS,
    card_page_policy,
    file_integrity,
    script_sources,
    script_tags,
)
from ivr.pay.views import AUTHENTICATION_WORDING, decline_wording

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "payment-page-scripts.md"
TEMPLATES = ROOT / "ivr" / "pay" / "templates"
PRODUCTION = StripeSettings()
LOCAL = StripeSettings(api_url="http://127.0.0.1:8420")
PAGE = "https://pay.example.gov"


def directives(policy: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *values = part.split()
        assert name not in found
        found[name] = values
    return found


def test_the_page_script_integrity_is_the_files_sha384():
    data = (STATIC_DIR / "pay-card.js").read_bytes()
    expected = "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()
    assert PAY_CARD_JS.integrity == expected == file_integrity(STATIC_DIR / "pay-card.js")


def test_a_changed_file_has_another_integrity(tmp_path):
    one, two = tmp_path / "a.js", tmp_path / "b.js"
    one.write_text("console.log(1);\n")
    two.write_text("console.log(2);\n")
    assert file_integrity(one) != file_integrity(two)


def test_every_script_has_a_reason_and_a_source():
    assert PAYMENT_PAGE_SCRIPTS == (STRIPE_JS, PAY_CARD_JS)
    for script in PAYMENT_PAGE_SCRIPTS:
        assert script.name and len(script.purpose) > 40 and script.source
        if script.static_file:
            assert (STATIC_DIR / script.static_file).is_file() and script.integrity


def test_production_policy_is_stripes_sources_and_the_own_file():
    found = directives(card_page_policy(PRODUCTION, PAGE))
    assert found["script-src"] == ["https://js.stripe.com", "https://*.js.stripe.com",
                                   f"{PAGE}/pay/static/pay-card.js",
                                   f"'{PAY_CARD_JS.integrity}'"]
    assert found["frame-src"] == ["https://js.stripe.com", "https://*.js.stripe.com",
                                  "https://hooks.stripe.com"]
    assert found["connect-src"] == ["https://api.stripe.com"]
    assert found["default-src"] == ["'none'"] and found["form-action"] == ["'self'"]
    assert found["base-uri"] == ["'none'"] and found["frame-ancestors"] == ["'none'"]
    assert found["style-src"] == ["'self'"]
    assert set(found) == {"default-src", "script-src", "frame-src", "connect-src",
                          "style-src", "form-action", "frame-ancestors", "base-uri"}


def test_local_policy_is_localstripes_shim_and_origin():
    found = directives(card_page_policy(LOCAL, "http://127.0.0.1:5000/"))
    assert found["script-src"] == ["http://127.0.0.1:8420/js.stripe.com/v3/",
                                   "http://127.0.0.1:5000/pay/static/pay-card.js",
                                   f"'{PAY_CARD_JS.integrity}'"]
    assert found["frame-src"] == found["connect-src"] == ["http://127.0.0.1:8420"]


def test_the_tags_are_the_inventory_in_order():
    tags = script_tags(PRODUCTION)
    assert [(t.src, t.integrity) for t in tags] == [
        ("https://js.stripe.com/v3/", None),
        ("/pay/static/pay-card.js", PAY_CARD_JS.integrity)]
    assert len(script_sources(PRODUCTION, PAGE)) == 4


def test_the_docs_show_the_inventory():
    text = DOCS.read_text()
    for script in PAYMENT_PAGE_SCRIPTS:
        assert f"| {script.name} |" in text, script.name
        if script.static_file:
            assert f"ivr/pay/static/{script.static_file}" in text
    for source in directives(card_page_policy(PRODUCTION, PAGE))["frame-src"]:
        assert source in text
    assert "https://api.stripe.com" in text and "https://js.stripe.com/v3/" in text


def test_no_pay_template_has_an_inline_script_or_handler():
    for template in TEMPLATES.glob("*.html"):
        html = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, (template.name, tag)
        assert not re.search(r"\son[a-z]+\s*=", html), template.name
        assert "javascript:" not in html


def test_only_the_stripe_card_template_loads_scripts():
    with_scripts = {t.name for t in TEMPLATES.glob("*.html") if "<script" in t.read_text()}
    assert with_scripts == {"pay_card_stripe.html"}


def test_the_page_script_has_no_eval_and_posts_only_the_payment_method():
    script = (STATIC_DIR / "pay-card.js").read_text()
    assert "eval(" not in script and "new Function" not in script
    assert "innerHTML" not in script
    assert "confirmCardSetup" in script and "payment_token" in script


def test_setup_intent_ids_come_only_from_client_secrets():
    assert setup_intent_id("seti_123abc_secret_XyZ987") == "seti_123abc"
    for other in ("", "pi_123_secret_abc", "seti_123", "seti_1/../x_secret_a",
                  "seti_123_secret_abc\n"):
        assert setup_intent_id(other) is None


def test_a_charge_the_bank_wants_to_authenticate_is_worded_for_the_resident():
    assert decline_wording("authentication_required") == AUTHENTICATION_WORDING
    assert decline_wording(decline_reason(AUTHENTICATION_REQUIRED)) == AUTHENTICATION_WORDING
    assert decline_wording(decline_reason("card_declined")) == decline_reason("card_declined")
    assert "try again or use another card" in AUTHENTICATION_WORDING
    assert decline_wording("The card was declined.") == "The card was declined."
    assert decline_wording(None) == ""
