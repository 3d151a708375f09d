"""What each kind of mail says, in German and English: subject and plain text with `{link}`."""

from __future__ import annotations

from typing import Any

ROLE_NAMES = {
    "de": {
        "admin": "Administration",
        "editor": "Redaktion",
        "moderator": "Moderation",
        "member": "Mitglied",
        "partner": "Partner",
    },
    "en": {"admin": "admin", "editor": "editor", "moderator": "moderator", "member": "member", "partner": "partner"},
}

# kind -> language -> (subject, text); `{link}` is the public URL built from `path`.
TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "invitation": {
        "de": (
            "Einladung zum Smart City Dialog",
            "Hallo,\n\n{inviter} lädt Sie als {role} zum Smart City Dialog ein.\n\n"
            "Mit diesem Link legen Sie Ihr Konto an (gültig bis {expires} UTC, nur einmal):\n\n{link}\n\n"
            "Wenn Sie diese Einladung nicht erwartet haben, ignorieren Sie diese Nachricht.",
        ),
        "en": (
            "Your invitation to Smart City Dialog",
            "Hello,\n\n{inviter} invites you to Smart City Dialog as {role}.\n\n"
            "Create your account with this link (valid until {expires} UTC, once):\n\n{link}\n\n"
            "If you did not expect this invitation, please ignore this message.",
        ),
    },
    "password_reset": {
        "de": (
            "Passwort zurücksetzen",
            "Hallo {name},\n\nmit diesem Link setzen Sie ein neues Passwort (gültig bis {expires} UTC, nur einmal):"
            "\n\n{link}\n\nWenn Sie das nicht angefordert haben, ignorieren Sie diese Nachricht; "
            "Ihr Passwort bleibt dann unverändert.",
        ),
        "en": (
            "Reset your password",
            "Hello {name},\n\nset a new password with this link (valid until {expires} UTC, once):\n\n{link}\n\n"
            "If you did not ask for this, ignore this message; your password stays as it is.",
        ),
    },
    # One mail per notification, as queued before missed-message mails (0012); kept so those still send.
    "notification": {
        "de": (
            "Neu im Smart City Dialog",
            "Hallo {name},\n\n{summary}\n\nIhre Benachrichtigungen: {link}\n\n"
            "Welche Nachrichten Sie per E-Mail erhalten, stellen Sie in Ihrem Profil ein.",
        ),
        "en": (
            "New on Smart City Dialog",
            "Hello {name},\n\n{summary}\n\nYour notifications: {link}\n\n"
            "Choose which notifications reach you by mail in your profile.",
        ),
    },
    # Missed-message mail: notifications the member did not read within the delay, several in one.
    "missed": {
        "de": (
            "{count} ungelesene Benachrichtigung(en) im Smart City Dialog",
            "Hallo {name},\n\nwährend Sie nicht da waren:\n\n{items}\n\nAlle Ihre Benachrichtigungen: {link}\n\n"
            "Welche Nachrichten Sie per E-Mail erhalten, stellen Sie in Ihrem Profil ein.",
        ),
        "en": (
            "{count} unread notification(s) on Smart City Dialog",
            "Hello {name},\n\nwhile you were away:\n\n{items}\n\nAll your notifications: {link}\n\n"
            "Choose which notifications reach you by mail in your profile.",
        ),
    },
    "digest": {
        "de": (
            "Ihre {period} Übersicht aus dem Smart City Dialog",
            "Hallo {name},\n\nneu seit Ihrer letzten Übersicht:\n\n{sections}\n\n"
            "Die Übersicht abbestellen oder ihren Rhythmus ändern Sie in Ihrem Profil: {link}",
        ),
        "en": (
            "Your {period} summary from Smart City Dialog",
            "Hello {name},\n\nnew since your last summary:\n\n{sections}\n\n"
            "Change how often you get this summary, or turn it off, in your profile: {link}",
        ),
    },
    "announcement": {
        "de": ("{title}", "{body}\n\nIm Smart City Dialog: {link}"),
        "en": ("{title}", "{body}\n\nOn Smart City Dialog: {link}"),
    },
    "password_changed": {
        "de": (
            "Ihr Passwort wurde geändert",
            "Hallo {name},\n\nIhr Passwort wurde soeben geändert; alle anderen Sitzungen wurden beendet.\n\n"
            "Waren Sie das nicht? Setzen Sie Ihr Passwort sofort zurück: {link}",
        ),
        "en": (
            "Your password was changed",
            "Hello {name},\n\nyour password was just changed; every other session was ended.\n\n"
            "Was this not you? Reset your password at once: {link}",
        ),
    },
}


# Words the list mails need besides their templates.
WORDS = {
    "de": {
        "daily": "tägliche",
        "weekly": "wöchentliche",
        "calls": "Ausschreibungen und Fristen",
        "news": "Neuigkeiten",
        "activity": "In dem, was Sie verfolgen",
    },
    "en": {
        "daily": "daily",
        "weekly": "weekly",
        "calls": "Calls and deadlines",
        "news": "News",
        "activity": "In what you follow",
    },
}


def _items(items: list[dict[str, Any]], base_url: str) -> str:
    """A list of (summary, deep link) entries as plain text, one paragraph each."""
    return "\n\n".join(f"• {item['summary']}\n  {base_url}{item['path']}" for item in items)


def render(kind: str, language: str, params: dict[str, Any], base_url: str) -> tuple[str, str, str]:
    """(subject, the link, plain text) of a mail in `language` (German if there is no such version)."""
    versions = TEMPLATES[kind]
    subject, text = versions.get(language) or versions["de"]
    base_url = base_url.rstrip("/")
    link = base_url + str(params.get("path", "/"))
    words = WORDS.get(language, WORDS["de"])
    values = {**params, "link": link}
    if "items" in params:
        values["items"], values["count"] = _items(params["items"], base_url), len(params["items"])
    if "sections" in params:
        values["sections"] = "\n\n".join(
            f"{words[section]}\n\n{_items(items, base_url)}" for section, items in params["sections"]
        )
    if "period" in params:
        values["period"] = words.get(str(params["period"]), params["period"])
    if "role" in params:
        values["role"] = ROLE_NAMES.get(language, ROLE_NAMES["de"]).get(str(params["role"]), params["role"])
    return subject.format(**values), link, text.format(**values)
