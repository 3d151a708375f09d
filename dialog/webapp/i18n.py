"""German and English for the web app: which language a page is in, and the gettext catalogs.

A page's language is, in order: `?lang=` (remembered in a cookie), the cookie, the signed-in member's
preference, the browser's Accept-Language, German. The API (/api/v1) answers in the language its
request's Accept-Language prefers, else English, its source language: its clients are programs, and
the pages' scripts send their page's language (core/api.js). `/live` does the same, after a `?lang=`
on its connect (core/live.js sends the page's) and the signed-in member's own setting. Catalogs live in translations/
(`make messages`).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, g, request
from flask_babel import Babel

from services.fields import LANGUAGES

LANG_COOKIE = "dialog_lang"
DEFAULT_LANGUAGE = "de"
API_PREFIX = "/api/v1/"
LIVE_PREFIX = "/socket.io"  # Engine.IO's path: /live's connects, and its messages' request contexts
API_LANGUAGE = "en"
# Where a /live connection keeps its member's language: in its handshake's WSGI environ, from which
# Flask-SocketIO builds the request context of each of the connection's messages.
LIVE_MEMBER_LANGUAGE = "dialog.member_language"
TIME_ZONE = "Europe/Berlin"  # deadlines and dates are shown in the programme's zone, whatever the browser's
TRANSLATIONS = Path(__file__).resolve().parent / "translations"

babel = Babel()


def asked_language() -> str | None:
    """The language a `?lang=` parameter asks for, if it names one we have."""
    asked = request.args.get("lang")
    return asked if asked in LANGUAGES else None


def select_language() -> str:
    """The language of this request's page or API answer (see the module's docstring for the order)."""
    if request.path.startswith(API_PREFIX):
        return request.accept_languages.best_match(LANGUAGES) or API_LANGUAGE
    if request.path.startswith(LIVE_PREFIX):  # /live: the connect's `?lang=` (the pages send theirs), as the API
        member_setting = request.environ.get(LIVE_MEMBER_LANGUAGE)
        return (
            asked_language()
            or (member_setting if member_setting in LANGUAGES else None)
            or request.accept_languages.best_match(LANGUAGES)
            or API_LANGUAGE
        )
    cookie = request.cookies.get(LANG_COOKIE)
    member: str | None = g.get("member_language")
    for choice in (asked_language(), cookie if cookie in LANGUAGES else None, member):
        if choice:
            return choice
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def remember_language(response: Response) -> Response:
    """A `?lang=` choice sticks for the following pages (a year, this site only)."""
    asked = asked_language()
    if asked and request.cookies.get(LANG_COOKIE) != asked:
        response.set_cookie(LANG_COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax", secure=request.is_secure)
    return response


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with our selector, catalogs and time zone."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    babel.init_app(app, locale_selector=select_language, default_timezone=TIME_ZONE)
