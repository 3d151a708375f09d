"""Every public and member page of the web app in real headless Chromium passes the shared checks
(tests/support/webpages.py: axe-core, Tab reaches every control, no other host, no script error);
/api/docs renders the API; the language switch sticks; the demo's open call counts down on the home page.

One server and one browser for the module: first the pages for anyone, then signed in as a member.
Set DIALOG_SCREENSHOTS=<dir> to keep the screenshots of the main pages at desktop and phone width.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.support.browser import DESKTOP, PHONE, chrome, sign_in, text_of, wait, wait_live
from tests.support.server import DEMO_PASSWORD, EDITOR, MEMBER, LiveServer
from tests.support.webpages import MEMBER_PAGES, PUBLIC_PAGES, check_page, settle

pytestmark = pytest.mark.e2e

SCREENSHOTS = {"home": "/", "thread": "/threads/1", "projects": "/projects", "inbox": "/inbox"}  # and the open call


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    with chrome() as driver:
        yield driver


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page(server: LiveServer, browser: WebDriver, path: str) -> None:
    check_page(browser, server, path)


def test_sign_in(server: LiveServer, browser: WebDriver) -> None:
    browser.get(server.url + "/login?lang=de")
    browser.find_element(By.ID, "email").send_keys(MEMBER)
    browser.find_element(By.ID, "password").send_keys("wrong password")
    browser.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()
    wait(browser, lambda b: b.find_element(By.ID, "login-error").is_displayed())
    assert text_of(browser, "#login-error") == "E-Mail-Adresse oder Passwort ist falsch"  # the page's language
    assert browser.switch_to.active_element.get_attribute("id") == "password"
    sign_in(browser, server.url, MEMBER, then="/inbox")
    assert browser.current_url.endswith("/inbox")
    cookies = {cookie["name"]: cookie for cookie in browser.get_cookies()}
    assert cookies["dialog_session"]["httpOnly"] and cookies["dialog_session"]["sameSite"] == "Lax"
    assert not cookies["dialog_csrf"]["httpOnly"]
    assert browser.execute_script("return document.cookie.includes('dialog_session')") is False
    assert browser.execute_script("return Object.keys(localStorage).length + Object.keys(sessionStorage).length") == 0


@pytest.mark.parametrize("path", MEMBER_PAGES)
def test_member_page(server: LiveServer, browser: WebDriver, path: str) -> None:
    check_page(browser, server, path)
    assert text_of(browser, "header nav") and "Kommune Musterstadt" in text_of(browser, "header nav")


def test_profile_forms_show_each_problem_at_its_field(server: LiveServer, browser: WebDriver) -> None:
    """A taken handle (409), a wrong current password (401) and a new password equal to the handle
    (422) each show at the field they are about, marked invalid; nothing of the account changes."""
    editor = {"Authorization": f"Bearer {server.token(EDITOR)}"}
    taken = requests.get(server.url + "/api/v1/me", headers=editor, timeout=10).json()["handle"]
    settle(browser, server.url + "/profile?lang=en")
    own_handle = browser.find_element(By.ID, "handle").get_attribute("value")
    handle = browser.find_element(By.ID, "handle")
    handle.clear()
    handle.send_keys(taken)
    browser.find_element(By.CSS_SELECTOR, "#profile-form button[type=submit]").click()
    wait(browser, lambda b: b.find_element(By.ID, "handle-error").is_displayed())
    assert text_of(browser, "#handle-error") == "already taken"
    assert handle.get_attribute("aria-invalid") == "true"
    assert browser.switch_to.active_element.get_attribute("id") == "handle"

    browser.find_element(By.ID, "current-password").send_keys("not the password")
    browser.find_element(By.ID, "new-password").send_keys("a new password, long enough")
    browser.find_element(By.CSS_SELECTOR, "#password-form button[type=submit]").click()
    wait(browser, lambda b: b.find_element(By.ID, "current-password-error").is_displayed())
    assert text_of(browser, "#current-password-error") == "is wrong"
    assert not browser.find_element(By.ID, "new-password-error").is_displayed()

    current = browser.find_element(By.ID, "current-password")
    current.clear()
    current.send_keys(DEMO_PASSWORD)
    new = browser.find_element(By.ID, "new-password")
    new.clear()
    new.send_keys(own_handle)
    browser.find_element(By.CSS_SELECTOR, "#password-form button[type=submit]").click()
    wait(browser, lambda b: b.find_element(By.ID, "new-password-error").is_displayed())
    assert text_of(browser, "#new-password-error") == "must not be your email address or handle"
    assert not browser.find_element(By.ID, "current-password-error").is_displayed()
    settle(browser, server.url + "/profile?lang=de")  # German again, as the other tests expect
    assert browser.find_element(By.ID, "handle").get_attribute("value") == own_handle


def test_the_demo_home_page_shows_an_open_call_with_its_countdown(server: LiveServer, browser: WebDriver) -> None:
    """The seeded example call is open (its deadline computed when the demo data was loaded)."""
    settle(browser, server.url + "/")
    ahead = "return [...document.querySelectorAll('#calls .countdown')].map(e => Date.parse(e.dataset.deadline) > Date.now())"  # noqa: E501
    assert browser.execute_script(ahead) == [True]
    shown = text_of(browser, "#calls")
    assert "Beispielaufruf (Demo)" in shown or "Example call (demo)" in shown


def test_api_docs_render_the_api(server: LiveServer, browser: WebDriver) -> None:
    settle(browser, server.url + "/api/docs")
    operations = browser.find_elements(By.CSS_SELECTOR, ".swagger-ui .opblock-summary-path")
    paths = {element.get_attribute("data-path") for element in operations}
    assert "/api/v1/auth/session" in paths and "/api/v1/threads/{thread_id}/posts" in paths
    assert browser.find_element(By.CSS_SELECTOR, "footer a[href='/api/docs']")


def test_language_switch_sticks_and_deadlines_are_berlin_time(server: LiveServer, browser: WebDriver) -> None:
    # A browser far from Berlin: the page must still show the programme's time.
    browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "America/New_York"})
    settle(browser, server.url + "/calls/1?lang=de")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "de"
    browser.find_element(By.CSS_SELECTOR, ".tools a[hreflang=en]").click()
    # The click may return before the link's navigation replaced the German page (live as well).
    wait(browser, lambda b: b.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
    wait_live(browser)
    settle(browser, server.url + "/projects")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Model projects"
    # The deadline as the programme states it (Berlin), whatever zone the browser is in.
    calls = requests.get(server.url + "/api/v1/calls", timeout=10).json()["items"]
    call = next(c for c in calls if c["deadline_local"])
    local = call["deadline_local"]  # e.g. 2021-03-14T23:59:00+01:00
    settle(browser, server.url + f"/calls/{call['id']}?lang=de")
    shown = text_of(browser, "#deadline")
    day, month, year = local[8:10], local[5:7], local[:4]
    assert f"{day}.{month}.{year}" in shown and local[11:16] in shown, (shown, local)
    browser.get(server.url + "/?lang=de")  # leave the cookie as the other tests expect
    browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": ""})


def test_main_pages_fit_a_phone_and_a_desktop(server: LiveServer, browser: WebDriver, tmp_path: Path) -> None:
    """No sideways scrolling at either width; DIALOG_SCREENSHOTS=<dir> keeps the screenshots (docs/screenshots)."""
    target = Path(os.environ.get("DIALOG_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    browser.get(server.url + "/?lang=en")  # the README is in English
    calls = requests.get(server.url + "/api/v1/calls", timeout=10).json()["items"]
    open_call = next(c for c in calls if c["status"] == "open")  # the demo's example call: a countdown
    pages = {**SCREENSHOTS, "call": f"/calls/{open_call['id']}"}
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        browser.set_window_size(*size)
        for name, path in pages.items():
            settle(browser, server.url + path)
            overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {label} width"
            assert browser.save_screenshot(str(target / f"{name}-{label}.png"))
    browser.set_window_size(*DESKTOP)
