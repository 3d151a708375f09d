"""The web app live, in real headless Chromium against a live server: two members on one thread see
each other's posts, edits and typing and who is here; a moderator's hide makes a post vanish; a page
open while the server is killed and restarted shows each post published meanwhile exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.select import Select

from tests.conftest import start_server
from tests.support.browser import chrome, live_state, sign_in, text_of, wait, wait_live
from tests.support.live_client import disconnect_soon
from tests.support.server import ADMIN, MEMBER, MODERATOR, PARTNER, LiveServer

pytestmark = pytest.mark.e2e
NETWORK = "international-network"  # partners write only in the spaces they were invited to


def open_thread(server: LiveServer, token: str, title: str) -> int:
    """A new thread in the network's space, opened over the API by a member added to it."""
    me = requests.get(f"{server.url}/api/v1/me", headers=server.headers(token), timeout=10).json()
    as_admin = server.headers(server.token(ADMIN))
    added = requests.put(f"{server.url}/api/v1/spaces/{NETWORK}/members/{me['id']}", headers=as_admin, timeout=10)
    assert added.ok, added.text
    response = requests.post(
        f"{server.url}/api/v1/spaces/{NETWORK}/threads",
        json={"title": title, "body": f"<p>{title}</p>", "language": "de"},
        headers=server.headers(token),
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def reply(server: LiveServer, token: str, thread_id: int, text: str) -> int:
    """A post over the API; its id."""
    response = requests.post(
        f"{server.url}/api/v1/threads/{thread_id}/posts",
        json={"body": f"<p>{text}</p>", "language": "en"},
        headers=server.headers(token),
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def post_texts(browser: WebDriver) -> list[str]:
    """The bodies of the posts the page shows, in page order."""
    script = "return [...document.querySelectorAll('#posts .post .body')].map(e => e.textContent)"
    return [str(text) for text in browser.execute_script(script)]


@pytest.fixture(scope="module")
def member_and_partner(server: LiveServer) -> Iterator[tuple[WebDriver, WebDriver, int]]:
    """A member's and a partner's browser, both on one new thread."""
    thread_id = open_thread(server, server.token(MEMBER), "Live im Browser")
    with chrome() as member, chrome() as partner:
        sign_in(member, server.url, MEMBER, then=f"/threads/{thread_id}")
        wait_live(member)
        sign_in(partner, server.url, PARTNER, then=f"/threads/{thread_id}")
        wait_live(partner)
        yield member, partner, thread_id


def test_two_members_see_each_others_presence_typing_and_posts(
    server: LiveServer, member_and_partner: tuple[WebDriver, WebDriver, int]
) -> None:
    member, partner, thread_id = member_and_partner
    wait(member, lambda b: "Partner Contact" in text_of(b, "#presence"))
    wait(partner, lambda b: "Kommune Musterstadt" in text_of(b, "#presence"))

    box = partner.find_element(By.ID, "post-body")
    box.send_keys("Hello from Gdańsk")
    wait(member, lambda b: "Partner Contact" in text_of(b, "#typing"))
    partner.find_element(By.ID, "send").click()
    wait(member, lambda b: "Hello from Gdańsk" in post_texts(b))
    wait(member, lambda b: text_of(b, "#typing") == "")  # the post ends their typing

    member.find_element(By.ID, "post-body").send_keys("Grüße aus Musterstadt")
    wait(partner, lambda b: "Kommune Musterstadt" in text_of(b, "#typing"))
    member.find_element(By.ID, "send").click()
    wait(partner, lambda b: post_texts(b)[-1:] == ["Grüße aus Musterstadt"])
    # The member's page draws its own post from the POST's answer and again from post.created: both
    # may still be on their way when the partner's page has it. Once the member's page has applied
    # that event (its cursor) and shows the post, it shows it once.
    as_member = server.headers(server.token(MEMBER))
    posts = requests.get(f"{server.url}/api/v1/threads/{thread_id}/posts", headers=as_member, timeout=10).json()
    own = posts["items"][-1]["id"]
    [created] = [e for e in server.log_events(f"thread.{thread_id}", token=server.token(MEMBER))
                 if e["type"] == "post.created" and e["data"]["post_id"] == own]  # fmt: skip
    cursor = "return Number(document.documentElement.dataset.cursor || 0)"
    wait(member, lambda b: b.execute_script(cursor) >= created["id"] and "Grüße aus Musterstadt" in post_texts(b))
    assert post_texts(member).count("Grüße aus Musterstadt") == 1, "the own post is shown once (response and event)"

    # An edit over the API reaches the other page as it is.
    edited = requests.patch(
        f"{server.url}/api/v1/posts/{posts['items'][-1]['id']}",
        json={"body": "<p>Grüße aus Musterstadt (bearbeitet)</p>"},
        headers=as_member,
        timeout=10,
    )
    assert edited.status_code == 200, edited.text
    wait(partner, lambda b: "Grüße aus Musterstadt (bearbeitet)" in post_texts(b))
    assert "Grüße aus Musterstadt" not in post_texts(partner)


def test_a_hidden_post_vanishes_from_the_members_page(
    server: LiveServer, member_and_partner: tuple[WebDriver, WebDriver, int]
) -> None:
    member, _partner, thread_id = member_and_partner
    post_id = reply(server, server.token(PARTNER), thread_id, "Please hide me")
    wait(member, lambda b: "Please hide me" in post_texts(b))
    hidden = requests.post(
        f"{server.url}/api/v1/posts/{post_id}/hide",
        json={"reason": "off topic"},
        headers=server.headers(server.token(MODERATOR)),
        timeout=10,
    )
    assert hidden.status_code == 200, hidden.text
    wait(member, lambda b: "Please hide me" not in post_texts(b))
    assert not member.find_elements(By.ID, f"post-{post_id}")


def shown(browser: WebDriver, element_id: str) -> bool:
    """Whether the element with `element_id` is on the page and displayed."""
    return any(e.is_displayed() for e in browser.find_elements(By.ID, element_id))


def test_pages_offer_writing_only_where_the_api_allows_it(
    server: LiveServer, member_and_partner: tuple[WebDriver, WebDriver, int]
) -> None:
    """A partner reads the public platform without a reply form (and is told why); in the network they
    were invited to they may open threads. A lock takes the member's reply form away, live."""
    member, partner, thread_id = member_and_partner
    public_thread = requests.get(f"{server.url}/api/v1/spaces/nationale-dialogplattform/threads", timeout=10).json()
    partner.get(f"{server.url}/threads/{public_thread['items'][0]['id']}")
    wait_live(partner)
    wait(partner, lambda b: shown(b, "cannot-post") and "invited" in text_of(b, "#cannot-post"))
    assert not shown(partner, "composer") and not partner.find_elements(By.CSS_SELECTOR, "#posts button.reply")
    reactions = "#posts .reactions button"
    wait(partner, lambda b: all(not button.is_enabled() for button in b.find_elements(By.CSS_SELECTOR, reactions)))
    partner.get(f"{server.url}/spaces/nationale-dialogplattform")
    wait_live(partner)
    assert not shown(partner, "new-thread") and shown(partner, "cannot-post")
    partner.get(f"{server.url}/spaces/{NETWORK}")
    wait_live(partner)
    assert shown(partner, "new-thread") and not shown(partner, "cannot-post")
    partner.get(f"{server.url}/threads/{thread_id}")  # back where the module's other tests expect it
    wait_live(partner)

    assert shown(member, "composer") and member.find_elements(By.CSS_SELECTOR, "#posts button.reply")
    locked = requests.post(
        f"{server.url}/api/v1/threads/{thread_id}/lock",
        json={"locked": True},
        headers=server.headers(server.token(MODERATOR)),
        timeout=10,
    )
    assert locked.status_code == 200, locked.text
    wait(member, lambda b: not shown(b, "composer") and shown(b, "cannot-post"))
    assert not member.find_elements(By.CSS_SELECTOR, "#posts button.reply")
    unlocked = requests.post(
        f"{server.url}/api/v1/threads/{thread_id}/lock",
        json={"locked": False},
        headers=server.headers(server.token(MODERATOR)),
        timeout=10,
    )
    assert unlocked.status_code == 200, unlocked.text
    wait(member, lambda b: shown(b, "composer"))


def test_a_partners_pages_follow_a_new_membership_without_reload(
    server: LiveServer, member_and_partner: tuple[WebDriver, WebDriver, int]
) -> None:
    """A partner reads the public platform without a form; made a member of it by an admin meanwhile,
    the open space page offers the new-thread form, and once removed again the open thread page takes
    its reply form away: live (over the space's and the partner's own topic), no reload."""
    _member, partner, thread_id = member_and_partner
    slug = "nationale-dialogplattform"
    partner_id = requests.get(f"{server.url}/api/v1/me", headers=server.headers(server.token(PARTNER)), timeout=10)
    membership = f"{server.url}/api/v1/spaces/{slug}/members/{partner_id.json()['id']}"
    as_admin = server.headers(server.token(ADMIN))
    stayed = "return window.stayed === true"

    partner.get(f"{server.url}/spaces/{slug}")
    wait_live(partner)
    wait(partner, lambda b: shown(b, "cannot-post") and not shown(b, "new-thread"))
    partner.execute_script("window.stayed = true")
    assert requests.put(membership, headers=as_admin, timeout=10).status_code == 204
    wait(partner, lambda b: shown(b, "new-thread") and not shown(b, "cannot-post"))
    assert partner.execute_script(stayed)

    public_thread = requests.get(f"{server.url}/api/v1/spaces/{slug}/threads", timeout=10).json()["items"][0]["id"]
    partner.get(f"{server.url}/threads/{public_thread}")
    wait_live(partner)
    wait(partner, lambda b: shown(b, "composer") and bool(b.find_elements(By.CSS_SELECTOR, "#posts button.reply")))
    partner.execute_script("window.stayed = true")
    assert requests.delete(membership, headers=as_admin, timeout=10).status_code == 204
    wait(partner, lambda b: not shown(b, "composer") and "invited" in text_of(b, "#cannot-post"))
    assert not partner.find_elements(By.CSS_SELECTOR, "#posts button.reply")
    assert partner.execute_script(stayed)
    partner.get(f"{server.url}/threads/{thread_id}")  # back where the module's other tests expect it
    wait_live(partner)


def test_each_post_published_while_the_server_was_down_shows_once(tmp_path_factory: pytest.TempPathFactory) -> None:
    server = start_server(tmp_path_factory)
    helper: LiveServer | None = None
    try:
        member_token, partner_token = server.token(MEMBER), server.token(PARTNER)
        thread_id = open_thread(server, member_token, "Neustart")
        reply(server, partner_token, thread_id, "before the crash")
        with chrome() as browser:
            sign_in(browser, server.url, MEMBER, then=f"/threads/{thread_id}")
            wait_live(browser)
            wait(browser, lambda b: "before the crash" in post_texts(b))

            server.kill()
            wait(browser, lambda b: live_state(b) == "reconnecting")
            # Published meanwhile by another process on the same database, while the page's server is gone.
            helper = LiveServer(Path(server.instance), dict(server.settings)).start()
            missed = [f"missed {n}" for n in range(1, 4)]
            for text in missed:
                reply(helper, partner_token, thread_id, text)
            helper.stop()

            server.start()
            wait_live(browser, timeout=30)
            wait(browser, lambda b: post_texts(b)[-3:] == missed, timeout=30)
            reply(server, partner_token, thread_id, "after the restart")
            wait(browser, lambda b: post_texts(b)[-1:] == ["after the restart"])
            texts = post_texts(browser)
            for text in ["before the crash", *missed, "after the restart"]:
                assert texts.count(text) == 1, (text, texts)
            assert texts == ["Neustart", "before the crash", *missed, "after the restart"]
    finally:
        if helper is not None:
            helper.stop()
        server.stop()


def test_live_accepts_the_session_cookie_from_our_own_pages_only(server: LiveServer) -> None:
    import socketio

    signed_in = requests.post(
        f"{server.url}/api/v1/auth/session", json={"email": MEMBER, "password": "smart-city-demo"}, timeout=10
    )
    cookie = f"dialog_session={signed_in.cookies['dialog_session']}"
    me = signed_in.json()["member"]["id"]
    for origin, allowed in ((server.url, True), ("http://evil.example", False)):
        client = socketio.Client(reconnection=False)
        try:
            # A foreign page is refused by the origin check, or (where allowed) connects anonymously.
            client.connect(
                server.url, namespaces=["/live"], headers={"Cookie": cookie, "Origin": origin}, wait_timeout=10
            )
        except socketio.exceptions.ConnectionError:
            assert not allowed
            continue
        try:
            ack = client.call("subscribe", {"topics": [f"user.{me}"]}, namespace="/live", timeout=10)
            assert (ack["topics"] == [f"user.{me}"]) is allowed, ack
        finally:
            disconnect_soon(client)


def test_a_broadcast_call_opening_appears_on_the_open_home_page(server: LiveServer) -> None:
    from datetime import UTC, datetime, timedelta

    as_admin = server.headers(server.token(ADMIN))
    soon = datetime.now(UTC) + timedelta(days=30)
    created = requests.post(
        f"{server.url}/api/v1/calls",
        json={
            "round": 4,
            "title": {"de": "Vierte Staffel", "en": "Fourth round"},
            "opens_at": (soon - timedelta(days=10)).isoformat().replace("+00:00", "Z"),
            "deadline": soon.isoformat().replace("+00:00", "Z"),
            "announce": True,
        },
        headers=as_admin,
        timeout=10,
    )
    assert created.status_code == 201, created.text
    call_id = created.json()["id"]
    with chrome() as member:
        sign_in(member, server.url, MEMBER, then="/?lang=en")
        wait_live(member)
        opened = requests.post(f"{server.url}/api/v1/calls/{call_id}/broadcast-opening", headers=as_admin, timeout=10)
        assert opened.status_code == 200, opened.text
        card = f"#calls li[data-key='call:{call_id}']"
        wait(member, lambda b: "Fourth round" in text_of(b, card) and "left" in text_of(b, card))
        wait(member, lambda b: b.find_element(By.CSS_SELECTOR, card).get_attribute("class") == "fresh")
        # The member's open page counts among the sessions the opening reached.
        reach_url = f"{server.url}/api/v1/calls/{call_id}/reach"
        wait(member, lambda _b: requests.get(reach_url, headers=as_admin, timeout=10).json()["live_sessions"] >= 1)


def test_a_member_deletes_their_account_from_the_profile_page(server: LiveServer) -> None:
    """The profile page's deletion sends the posts choice the API requires; the account is erased."""
    from tests.support.access import PASSWORD, new_account

    admin = server.token(ADMIN)
    account = new_account(server, admin, "member", "leaving")
    email = requests.get(
        server.url + "/api/v1/me", headers={"Authorization": f"Bearer {account.token}"}, timeout=10
    ).json()["email"]
    with chrome() as browser:
        sign_in(browser, server.url, email, PASSWORD, then="/profile")
        wait_live(browser)
        Select(browser.find_element(By.ID, "close-posts")).select_by_value("erase")
        browser.find_element(By.ID, "close-password").send_keys(PASSWORD)
        browser.find_element(By.CSS_SELECTOR, "#close-form button[type=submit]").click()
        browser.switch_to.alert.accept()
        # Away from the profile: to the home page, or to sign-in as the ended session is noticed first.
        wait(browser, lambda b: urlparse(b.current_url).path != "/profile")
    exported = requests.get(
        f"{server.url}/api/v1/members/{account.id}/export", headers={"Authorization": f"Bearer {admin}"}, timeout=10
    )
    assert exported.status_code == 200, exported.text
    assert "Former member" in exported.text and email not in exported.text
    old = requests.get(server.url + "/api/v1/me", headers={"Authorization": f"Bearer {account.token}"}, timeout=10)
    assert old.status_code == 401
