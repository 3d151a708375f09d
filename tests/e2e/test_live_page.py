"""The start page in a real headless Chromium: history, then live events, no HTML injection, and a CSP
that allows the page and nothing inline."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest
import requests
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.server import EDITOR, LiveServer
from tests.support.servers import unavailable

pytestmark = pytest.mark.e2e
os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager try to download a browser


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver:
        unavailable("Chromium and ChromeDriver (apt-get install -y chromium chromium-driver)")
    options = Options()
    options.binary_location = chromium  # type: ignore[assignment]
    profile = tempfile.mkdtemp(prefix="dialog-chromium-")
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--window-size=1280,900", f"--user-data-dir={profile}",
    ):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # CSP violations are reported there
    chrome = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    try:
        yield chrome
    finally:
        chrome.quit()
        shutil.rmtree(profile, ignore_errors=True)


def first_news_title(chrome: webdriver.Chrome) -> str:
    items = chrome.find_elements(By.CSS_SELECTOR, "#news li .title")
    return items[0].text if items else ""


def test_start_page_shows_history_then_live_news_as_text(server: LiveServer, browser: webdriver.Chrome) -> None:
    browser.get(server.url + "/?lang=en")
    wait = WebDriverWait(browser, 30, ignored_exceptions=[StaleElementReferenceException])  # lists re-render
    wait.until(lambda c: c.find_element(By.ID, "status").text == "live")
    wait.until(lambda c: "32 Model Projects Smart Cities selected" in c.find_element(By.ID, "news").text)
    assert "Model Projects Smart Cities" in browser.find_element(By.ID, "calls").text
    hostile = '<img src=x onerror="window.__pwned = 1">Live im Browser'
    assert server.post_news(server.token(EDITOR), hostile).status_code == 201
    wait.until(lambda c: first_news_title(c) == hostile)
    assert browser.execute_script("return window.__pwned") is None, "event text must never be parsed as HTML"
    fresh = browser.find_elements(By.CSS_SELECTOR, "#news li.fresh")
    assert len(fresh) == 1 and fresh[0].get_attribute("data-event-id")
    screenshot = os.environ.get("DIALOG_SCREENSHOT")
    if screenshot:
        browser.save_screenshot(screenshot)


def csp_violations(chrome: webdriver.Chrome) -> list[str]:
    return [entry["message"] for entry in chrome.get_log("browser") if "Content Security Policy" in entry["message"]]


def test_start_page_works_under_a_csp_that_refuses_inline_script(server: LiveServer, browser: webdriver.Chrome) -> None:
    page = requests.get(server.url + "/?lang=de", timeout=10)
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in page.text and "<style>" not in page.text and " style=" not in page.text
    for path in ("/api/v1/news", "/static/live.js", "/api/v1/nothing-here"):
        assert requests.get(server.url + path, timeout=10).headers["X-Content-Type-Options"] == "nosniff", path

    browser.get(server.url + "/?lang=de")
    wait = WebDriverWait(browser, 30, ignored_exceptions=[StaleElementReferenceException])  # lists re-render
    wait.until(lambda c: c.find_element(By.ID, "status").text == "live")
    wait.until(lambda c: c.find_elements(By.CSS_SELECTOR, "#news li .title"))
    assert browser.find_element(By.ID, "news").value_of_css_property("list-style-type") == "none", "live.css applies"
    assert csp_violations(browser) == [], "the page itself needs nothing the policy refuses"
    # Were text ever parsed as HTML, an injected handler still would not run: inline script is refused.
    browser.execute_script(
        "const img = document.createElement('img');"
        "img.setAttribute('onerror', 'window.__inline = 1');"
        "img.src = '/no-such-image';"
        "document.body.append(img);"
    )
    wait.until(lambda c: csp_violations(c))
    assert browser.execute_script("return window.__inline") is None
