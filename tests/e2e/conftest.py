"""Fixtures shared by the end-to-end tests: the browser-test fixtures of
tests/browser_support.py (`live_app`, `browser`, `page`), so test modules use them by name."""

from tests.browser_support import browser, live_app, page

__all__ = ["browser", "live_app", "page"]
