"""Browser sign-in: the HttpOnly session cookie works where a bearer token works, with the same
access; writes with it need the CSRF header; signing out ends it; a page with an ended session is
shown signed out and clears the cookie; the page's language follows ?lang=, cookie, preference."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.support.server import DEMO_PASSWORD, MEMBER, MODERATOR


def sign_in(client: FlaskClient, email: str = MEMBER) -> str:
    response = client.post("/api/v1/auth/session", json={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 201, response.get_json()
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("dialog_session="))
    assert "HttpOnly" in session and "SameSite=Lax" in session
    csrf = next(c for c in cookies if c.startswith("dialog_csrf="))
    assert "HttpOnly" not in csrf and "SameSite=Strict" in csrf
    assert "token" not in response.get_json(), "the token is only in the HttpOnly cookie"
    return str(response.get_json()["csrf_token"])


def test_the_cookie_authenticates_reads_and_writes_need_the_csrf_header(app: Flask) -> None:
    client = app.test_client()
    csrf = sign_in(client)
    assert client.get("/api/v1/me").get_json()["email"] == MEMBER
    refused = client.patch("/api/v1/me", json={"bio": "x"})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "csrf_failed"
    forged = client.patch("/api/v1/me", json={"bio": "x"}, headers={"X-CSRF-Token": "0" * 64})
    assert forged.status_code == 403
    assert client.patch("/api/v1/me", json={"bio": "x"}, headers={"X-CSRF-Token": csrf}).status_code == 200


def test_the_cookie_has_the_members_permissions_only(app: Flask) -> None:
    client = app.test_client()
    csrf = sign_in(client)  # a member, not a moderator
    hidden = client.post("/api/v1/posts/1/hide", json={"reason": "x"}, headers={"X-CSRF-Token": csrf})
    assert hidden.status_code == 403 and hidden.get_json()["error"]["code"] != "csrf_failed"
    moderator = app.test_client()
    sign_in(moderator, MODERATOR)
    assert moderator.get("/api/v1/me").get_json()["role"] == "moderator"


def test_a_bearer_token_still_works_and_wins_over_the_cookie(app: Flask) -> None:
    token = app.test_client().post("/api/v1/auth/tokens", json={"email": MODERATOR, "password": DEMO_PASSWORD})
    client = app.test_client()
    sign_in(client)
    bearer = {"Authorization": f"Bearer {token.get_json()['token']}"}
    assert client.get("/api/v1/me", headers=bearer).get_json()["email"] == MODERATOR
    # A bearer write needs no CSRF header: no browser sends it by itself.
    assert client.patch("/api/v1/me", json={"bio": "y"}, headers=bearer).status_code == 200


def test_signing_out_revokes_the_session_and_the_pages_show_signed_out(app: Flask) -> None:
    client = app.test_client()
    csrf = sign_in(client)
    token = client.get_cookie("dialog_session")
    assert token is not None
    assert client.get("/inbox").status_code == 200
    assert client.delete("/api/v1/auth/session").status_code == 403, "sign-out is a write: CSRF applies"
    assert client.delete("/api/v1/auth/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get_cookie("dialog_session") is None
    # The old cookie, replayed, no longer works anywhere.
    replay = app.test_client()
    replay.set_cookie("dialog_session", token.value)
    ended = replay.get("/api/v1/me")
    assert ended.status_code == 401 and ended.get_json()["error"]["code"] == "session_ended"
    page = replay.get("/")
    assert page.status_code == 200 and 'data-viewer-id=""' in page.get_data(as_text=True)
    assert any(c.startswith("dialog_session=;") for c in page.headers.getlist("Set-Cookie")), "the page clears it"
    assert replay.get("/inbox").headers["Location"] == "/login?next=/inbox"


def test_sign_in_sends_back_only_to_this_site(client: FlaskClient) -> None:
    for target, kept in (("/threads/1", "/threads/1"), ("//evil.example/x", "/"), ("https://evil.example", "/")):
        page = client.get("/login", query_string={"next": target}).get_data(as_text=True)
        assert f'data-next="{kept}"' in page, target


def test_the_page_language(app: Flask) -> None:
    client = app.test_client()
    assert '<html lang="en"' in client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
    assert '<html lang="de"' in client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    german = client.get("/?lang=de", headers={"Accept-Language": "en"})
    assert '<html lang="de"' in german.get_data(as_text=True) and "Zum Inhalt springen" in german.get_data(as_text=True)
    # Remembered for the next pages.
    assert '<html lang="de"' in client.get("/projects", headers={"Accept-Language": "en"}).get_data(as_text=True)
    # A signed-in member without a cookie gets their preference (the demo partner prefers English).
    partner = app.test_client()
    sign_in(partner, "partner@smart-city-dialog.example")
    assert '<html lang="en"' in partner.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)


def test_pages_allow_no_inline_script_and_serve_assets_themselves(client: FlaskClient) -> None:
    page = client.get("/")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    html = page.get_data(as_text=True)
    assert "<script>" not in html and " style=" not in html and "http" not in html.replace("http-equiv", "")
    assert client.get("/static/vendor/socket.io-client/socket.io.esm.min.js").status_code == 200
