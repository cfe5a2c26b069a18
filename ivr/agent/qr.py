"""The QR code an agent scans to set up one-time codes: inline SVG markup (segno), so the
console's strict CSP needs no change (no script, no style attribute, nothing fetched)."""

from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(uri: str, title: str) -> Markup:
    """An <svg> of `uri`; `title` is its accessible name. Quiet zone included (4 modules)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, title=title, svgclass="qr",
                                               lineclass="qr-dark")
    return Markup(svg)  # noqa: S704 - segno's own markup of our own URI
