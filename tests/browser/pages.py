"""Helpers the browser tests share: a signed-in page, and waiting for a save."""

from __future__ import annotations

from typing import Any

from django.test import Client
from playwright.sync_api import Browser, Page


def signed_in_page(browser: Browser, live_server: Any, user: Any) -> Page:
    """A page whose session belongs to ``user`` (the sign-in itself is tested elsewhere)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context()
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context.new_page()


def saved(page: Page, url: str) -> None:
    """Wait for the redirect to the saved row's page; if the form came back instead, say why."""
    try:
        page.wait_for_url(url, timeout=20_000)
    except Exception:
        raise AssertionError(f"not saved ({page.url}):\n{page.inner_text('main')}") from None
