"""The web app's pages and the checks every one of them passes in real headless Chromium: axe-core
finds no serious or critical violation, every control is reachable with the Tab key, nothing is
requested from another host, no script error or CSP violation.

One list of pages per role (`PUBLIC_PAGES`, `MEMBER_PAGES`, `STAFF_PAGES`): tests/e2e/test_webapp_pages.py
checks the first two, tests/e2e/test_webapp_staff.py the staff pages (signed in as each role), with
`check_page` here. A new page goes in a list (a unit test fails while a staff route is missing).
"""

from __future__ import annotations

from axe_selenium_python import Axe
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from tests.support.browser import console_errors, foreign, requested_urls, wait, wait_live
from tests.support.server import ADMIN, EDITOR, MODERATOR, LiveServer

PUBLIC_PAGES = [
    "/",
    "/news/1",
    "/calls/1",
    "/projects",
    "/projects/1",
    "/spaces",
    "/spaces/nationale-dialogplattform",
    "/threads/1",
    "/search?q=smart",
    "/login",
    "/password-reset",
    "/password-reset?token=abc",
    "/invitations/accept?token=abc",
    "/api/docs",
]
MEMBER_PAGES = ["/", "/threads/1", "/spaces/nationale-dialogplattform", "/calls/1", "/inbox", "/profile"]
# Every staff page, for each role that may use it.
STAFF_PAGES = {
    EDITOR: ["/staff/news", "/staff/calls"],
    MODERATOR: ["/staff/moderation"],
    ADMIN: [
        "/staff/news",
        "/staff/calls",
        "/staff/broadcast",
        "/staff/members",
        "/staff/moderation",
        "/staff/webhooks",
        "/staff/audit",
    ],
}
# Everything a keyboard user must be able to reach (not what a widget deliberately takes out of the
# tab order with tabindex=-1 because another control does the same).
INTERACTIVE = (
    "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]), "
    "textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])"
)


def settle(browser: WebDriver, url: str) -> None:
    """Open `url` and wait until its script is live and has loaded the page (its lists filled)."""
    browser.get(url)
    wait_live(browser)
    wait(browser, lambda b: b.execute_script("return !document.querySelector('[aria-busy=true]')"))
    # A page with card lists fills them (an "empty" entry at least) in its load(): wait for the first.
    filled = "return !document.querySelector('.cards') || !!document.querySelector('.cards > li')"
    wait(browser, lambda b: b.execute_script(filled))
    if "/api/docs" in url:
        wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, ".swagger-ui .opblock")) > 50, timeout=30)


def serious_violations(browser: WebDriver) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    axe = Axe(browser)
    axe.inject()
    results = axe.run()
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def unreachable_by_tab(browser: WebDriver) -> list[str]:
    """Visible interactive elements that pressing Tab from the top of the page never focuses."""
    wanted = browser.execute_script(
        "return [...document.querySelectorAll(arguments[0])].filter(e => e.tabIndex >= 0 && e.getClientRects().length"
        " && getComputedStyle(e).visibility !== 'hidden' && !e.closest('[hidden]'))",
        INTERACTIVE,
    )
    browser.execute_script("document.activeElement?.blur(); window.scrollTo(0, 0)")
    ids = {element.id for element in wanted}
    reached: set[str] = set()
    # a date-time field is several Tab stops (day, month, year, hour, minute): room for those
    for _ in range(len(wanted) * 6 + 10):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        reached.add(browser.switch_to.active_element.id)
        if ids <= reached:
            break
    return [str(element.get_attribute("outerHTML"))[:120] for element in wanted if element.id not in reached]


def check_page(browser: WebDriver, server: LiveServer, path: str) -> None:
    """Open `path` and assert every check of this module on it."""
    requested_urls(browser)  # forget what earlier pages asked for
    console_errors(browser)
    settle(browser, server.url + path)
    assert serious_violations(browser) == [], path
    if path != "/api/docs":  # Swagger UI's hundreds of controls are its own (and take half a minute to tab through)
        missed = unreachable_by_tab(browser)
        assert missed == [], f"{path}: not reachable with Tab: {missed}"
    assert foreign(requested_urls(browser), server.url) == [], f"{path} asked another host"
    assert console_errors(browser) == [], path
