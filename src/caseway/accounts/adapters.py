"""allauth adapters: no public sign-up; TOTP secrets encrypted at rest; staff keep their factor."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator

from caseway.core import crypto


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: Any) -> bool:
        """Accounts are created by administrators and coordinators, never by sign-up."""
        return False


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return crypto.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt(encrypted_text)

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Staff must keep a second factor: their last TOTP authenticator cannot be removed."""
        user = authenticator.user
        if authenticator.type == Authenticator.Type.TOTP and user.is_staff_member:
            return False
        return super().can_delete_authenticator(authenticator)

    def get_totp_issuer(self) -> str:
        return "Caseway"
