"""In a real browser: a clinician records an operation, adds a complication, signs the record,
sees the derived scores, then finds the case behind the center's indicator, in Korean."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser

from caseway.core.testing import build_world
from tests.browser.pages import saved, signed_in_page

pytestmark = pytest.mark.browser


def test_record_sign_and_find_a_surgery(
    browser: Browser, live_server: Any, transactional_db: Any
) -> None:
    world = build_world()
    page = signed_in_page(browser, live_server, world.clinician_user_a)
    page.goto(f"{live_server.url}/registry/surgeries/add/")
    page.select_option("select[name=patient]", str(world.patient_a.pk))
    page.select_option("select[name=center]", str(world.center_a.pk))
    page.fill("input[name=date]", "2025-05-12")
    page.select_option("select[name=specialty]", "gyn_onc")
    page.select_option("select[name=procedure_group]", "ovarian_cytoreduction")
    page.fill("input[name=indication]", "High-grade serous carcinoma FIGO IIIC")
    page.select_option("select[name=timing]", "primary")
    page.check("input[name=advanced_ovarian]")
    page.select_option("select[name=approach]", "open")
    page.fill("input[name=pci_intraop]", "2,1,0,0,3,2,1,0,0,1,1,0,9")  # 9 is not a score
    page.fill("input[name=residual_mm]", "0")
    page.click("form.stacked button[type=submit]")
    assert "not 0-3" in page.inner_text("main")  # told what is wrong
    page.fill("input[name=pci_intraop]", "2,1,0,0,3,2,1,0,0,1,1,0,0")
    page.click("form.stacked button[type=submit]")
    page.wait_for_url("**/registry/surgeries/*/")
    detail = page.url

    page.click("text=Add a team member")
    page.fill("input[name=name]", "Dr. Kim")
    page.select_option("select[name=role]", "primary")
    page.select_option("select[name=specialty]", "gyn_onc")
    page.click("form.stacked button[type=submit]")
    saved(page, "**/registry/teammembers/*/")
    page.goto(detail)
    page.click("text=Add a complication")
    page.fill("input[name=description]", "Pleural effusion, drained")
    page.select_option("select[name=grade]", "IIIa")
    page.fill("input[name=day]", "5")
    page.click("form.stacked button[type=submit]")
    saved(page, "**/registry/complications/*/")

    page.goto(detail)
    derived = page.get_by_test_id("derived").inner_text()
    assert "11" in derived  # PCI total
    assert "26.2" in derived  # CCI of one IIIa: sqrt(2750) / 2
    page.get_by_test_id("sign").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("signed").is_visible()
    assert page.get_by_test_id("amend").is_visible()

    page.goto(f"{live_server.url}/registry/?center={world.center_a.code}&year=2025")
    row = page.locator("[data-indicator=complete-resection]")
    assert "1 / 1" in row.inner_text()
    page.select_option("[data-testid=language-select]", "ko")
    page.click("[data-testid=language-submit]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ko"
    row.locator("a").click()
    page.wait_for_load_state()
    assert world.patient_a.mrn in page.get_by_test_id("cases").inner_text()
