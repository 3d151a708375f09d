"""Security headers: no MIME sniffing on any answer; HTML pages get a strict CSP and are never framed."""

from __future__ import annotations

from flask import Flask, Response

# The start page loads its script and style from /static, talks only to this origin (REST, SSE)
# and uses a data: URL as its (empty) icon: nothing inline, nothing from elsewhere.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HTML_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers without CSP level 2
    "Referrer-Policy": "no-referrer",
}


def secure(response: Response) -> Response:
    """Add the headers to one response (those a view set itself stay)."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype == "text/html":
        for name, value in HTML_HEADERS.items():
            response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    """Secure every response Flask makes (REST, SSE, feeds, pages, static files, errors)."""
    app.after_request(secure)
