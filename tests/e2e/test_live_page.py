"""The start page in a real headless Chromium: history, then live events, and no HTML injection."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest
from selenium import webdriver
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
    wait = WebDriverWait(browser, 30)
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
