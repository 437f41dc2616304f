"""In a real browser: an anonymous visitor searches the public portal in English and in Korean
with the keyboard only, reads why each center is listed, opens a center's page; axe-core finds
no WCAG 2.1 A/AA violation on the home page, the results and the center page in either language.
"""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page

from caseway.core.testing import build_world
from caseway.portal.tests.test_public import publish

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}

pytestmark = pytest.mark.browser


def accessible(axe: Axe, page: Page) -> None:
    results = axe.run(page, options=WCAG_AA)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def tab_to(page: Page, element_id: str, limit: int = 40) -> None:
    """Press Tab until the element has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} cannot be reached with Tab")


def test_search_by_keyboard_then_a_center_page_in_english_and_korean(
    browser: Browser, live_server: Any, transactional_db: Any
) -> None:
    world = publish(build_world())
    axe = Axe()
    page = browser.new_page()
    for lang, query, center_name in (
        ("en", "ovarian cancer", "Cancer Center A"),
        ("ko", "난소암", "암센터 A"),
    ):
        page.goto(f"{live_server.url}/portal/{lang}/")
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("script").count() == 0
        accessible(axe, page)

        tab_to(page, "q")
        page.keyboard.type(query)
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/portal/{lang}/search/?*")
        results = page.get_by_test_id("result")
        assert results.count() >= 1
        first = results.first
        assert center_name in first.inner_text()
        assert first.get_by_test_id("reasons").inner_text().strip()
        assert page.get_by_test_id("understood").is_visible()
        accessible(axe, page)

        first.get_by_role("link", name=center_name).focus()
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/portal/{lang}/centers/{world.center_a.code}/")
        assert page.locator("h1").inner_text() == center_name
        status = page.get_by_test_id("accreditations").inner_text()
        assert "2026-10-08" in status
        assert page.get_by_test_id("indicators").is_visible()
        accessible(axe, page)
