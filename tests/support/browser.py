"""Headless Chromium (Debian's, driven by selenium) for the web app's tests.

Every browser resolves no host but the loopback server (host-resolver rules) and records each
request it makes (the performance log), so a test sees any attempt to reach another host.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import urlsplit

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.server import DEMO_PASSWORD
from tests.support.servers import unavailable

os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager try to download a browser
T = TypeVar("T")
DESKTOP = (1280, 900)
PHONE = (390, 844)


def chromium_paths() -> tuple[str, str]:
    """The Chromium and ChromeDriver binaries (a skip, or a failure under CI, without them)."""
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver:
        unavailable("Chromium and ChromeDriver (apt-get install -y chromium chromium-driver)")
    assert chromium and driver
    return chromium, driver


@contextmanager
def chrome(size: tuple[int, int] = DESKTOP) -> Iterator[webdriver.Chrome]:
    """A fresh headless Chromium with its own profile (cookies), quit afterwards."""
    chromium, driver = chromium_paths()
    options = Options()
    options.binary_location = chromium
    profile = tempfile.mkdtemp(prefix="dialog-chromium-")
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--disable-extensions", "--disable-default-apps",
        # The network limited to the server itself: any other host does not even resolve.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--window-size={size[0]},{size[1]}", f"--user-data-dir={profile}",
    ):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    browser = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait(browser: webdriver.Chrome, condition: Callable[[webdriver.Chrome], T], timeout: float = 20) -> T:
    """Wait until `condition(browser)` is truthy (stale elements of a re-rendered list are retried)."""
    return WebDriverWait(
        browser, timeout, poll_frequency=0.1, ignored_exceptions=[StaleElementReferenceException]
    ).until(condition)


def text_of(browser: webdriver.Chrome, selector: str) -> str:
    """The visible text of the first element matching `selector` ('' if there is none)."""
    for _ in range(20):
        found = browser.find_elements(By.CSS_SELECTOR, selector)
        try:
            return found[0].text if found else ""
        except StaleElementReferenceException:
            continue  # the list was drawn again between finding and reading: find it anew
    raise StaleElementReferenceException(f"{selector} was redrawn on every read")


def live_state(browser: webdriver.Chrome) -> str:
    """The page's connection state: connecting, live or reconnecting."""
    return str(browser.execute_script("return document.getElementById('status')?.dataset.state || ''"))


def wait_live(browser: webdriver.Chrome, timeout: float = 20) -> None:
    """Wait until the page is subscribed on /live."""
    wait(browser, lambda b: live_state(b) == "live", timeout)


def sign_in(browser: webdriver.Chrome, base: str, email: str, password: str = DEMO_PASSWORD, then: str = "/") -> None:
    """Sign in through the sign-in page, then open `then`."""
    browser.get(f"{base}/login?next={then}")
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()
    wait(browser, lambda b: "/login" not in b.current_url)


def requested_urls(browser: webdriver.Chrome) -> list[str]:
    """Every URL the browser asked for since the last call (from the performance log)."""
    urls = []
    for entry in browser.get_log("performance"):
        message: dict[str, Any] = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
        elif message.get("method") == "Network.webSocketCreated":
            urls.append(message["params"]["url"])
    return urls


def foreign(urls: list[str], base: str) -> list[str]:
    """The URLs among `urls` that go to a host other than the server's (data: and blob: are local)."""
    own = urlsplit(base).netloc
    return [u for u in urls if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).netloc != own]


def console_errors(browser: webdriver.Chrome) -> list[str]:
    """Console errors since the last call (script errors, CSP violations, failed loads)."""
    try:
        return [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    except WebDriverException:
        return []
