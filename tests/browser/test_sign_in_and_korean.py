"""In a real browser: sign in with a second factor, switch to Korean, see the dashboard.

Headless Chromium from Debian (/usr/bin/chromium) driven by Playwright; Playwright's own browser
downloads are not used.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser

from caseway.demo.accounts import DEMO_PASSWORD, current_code, totp_secret
from caseway.demo.generator import DEFAULT_SEED, DemoGenerator

pytestmark = pytest.mark.browser


def test_staff_sign_in_with_totp_then_switch_to_korean(
    browser: Browser, live_server: Any, transactional_db: Any
) -> None:
    DemoGenerator(patients=10).run()
    email = "coordinator@demo.caseway.kr"
    page = browser.new_page()
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    assert page.get_by_test_id("synthetic-banner").is_visible()

    page.fill("input[name=login]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]:not([data-testid])")
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.fill("input[name=code]", current_code(totp_secret(DEFAULT_SEED, email)))
    page.click("button[type=submit]:not([data-testid])")
    page.wait_for_url(f"{live_server.url}/")

    # The coordinator's stored preference is Korean: the dashboard opens in Korean.
    assert page.get_by_test_id("dashboard-title").inner_text() == "대시보드"
    page.select_option("[data-testid=language-select]", "en")
    page.click("[data-testid=language-submit]")
    page.wait_for_load_state()
    assert page.get_by_test_id("dashboard-title").inner_text() == "Dashboard"
    assert page.locator("html").get_attribute("lang") == "en"

    page.select_option("[data-testid=language-select]", "ko")
    page.click("[data-testid=language-submit]")
    page.wait_for_load_state()
    assert page.get_by_test_id("dashboard-title").inner_text() == "대시보드"
    assert page.locator("html").get_attribute("lang") == "ko"
    assert "부인암센터" in page.content()  # the coordinator's center, by its Korean name
    page.close()
