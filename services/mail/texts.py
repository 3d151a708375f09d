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


def render(kind: str, language: str, params: dict[str, Any], base_url: str) -> tuple[str, str, str]:
    """(subject, the link, plain text) of a mail in `language` (German if there is no such version)."""
    versions = TEMPLATES[kind]
    subject, text = versions.get(language) or versions["de"]
    link = base_url.rstrip("/") + str(params.get("path", "/"))
    values = {**params, "link": link}
    if "role" in params:
        values["role"] = ROLE_NAMES.get(language, ROLE_NAMES["de"]).get(str(params["role"]), params["role"])
    return subject, link, text.format(**values)
