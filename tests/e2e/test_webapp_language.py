"""Field errors in the page's language, in real headless Chromium: a staff form on a German page
shows the API's 422 problems in German at their fields, the same form on an English page in English
(the browser itself asks for English: the page's language is what counts)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium.webdriver import Chrome as WebDriver
from selenium.webdriver.common.by import By

from tests.support.browser import chrome, sign_in, text_of, wait, wait_live
from tests.support.server import EDITOR, LiveServer

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def editor(server: LiveServer) -> Iterator[WebDriver]:
    """An editor's browser."""
    with chrome() as driver:
        sign_in(driver, server.url, EDITOR)
        yield driver


def submit_a_bad_call(browser: WebDriver, url: str) -> None:
    """Fill the new-call form with a round, no title, a broken link and reminders out of range; send it."""
    browser.get(url)
    wait_live(browser)
    browser.find_element(By.ID, "call-round").send_keys("1")
    browser.find_element(By.ID, "call-url").send_keys("kein link")
    reminders = browser.find_element(By.ID, "call-reminders")
    reminders.clear()
    reminders.send_keys("400")
    browser.find_element(By.ID, "call-draft").click()
    wait(browser, lambda b: b.find_element(By.ID, "call-url-error").is_displayed())


@pytest.mark.parametrize(
    ("language", "title", "link", "reminders"),
    [
        ("de", "Pflichtfeld: bitte ausfüllen.", "Keine gültige URL.", "ganze Tage zwischen 1 und 365"),
        ("en", "Missing data for required field.", "Not a valid URL.", "whole days between 1 and 365"),
    ],
)
def test_a_forms_field_errors_are_in_the_pages_language(
    server: LiveServer, editor: WebDriver, language: str, title: str, link: str, reminders: str
) -> None:
    submit_a_bad_call(editor, f"{server.url}/staff/calls?lang={language}")
    assert editor.find_element(By.TAG_NAME, "html").get_attribute("lang") == language
    assert text_of(editor, "#call-title-de-error") == title
    assert text_of(editor, "#call-url-error") == link
    assert text_of(editor, "#call-reminders-error") == reminders
    assert editor.find_element(By.ID, "call-url").get_attribute("aria-invalid") == "true"
