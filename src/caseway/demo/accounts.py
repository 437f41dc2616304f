"""The demo accounts: one per role, with a known password and, for staff, a known TOTP secret.

Secrets are derived from the generator's seed, so a demo install always prints the same ones and
a browser test can compute the current code. They are demo-only: the generator refuses to run
in production.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)

from caseway.accounts.roles import Role

DEMO_PASSWORD = "caseway-demo-2026"
DEMO_DOMAIN = "demo.caseway.kr"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    full_name: str
    full_name_ko: str
    role: str
    #: Code of the institution or center where the role is held; "" for the association.
    place: str
    language: str = "en"

    @property
    def is_staff(self) -> bool:
        from caseway.accounts.roles import STAFF_ROLES

        return self.role in STAFF_ROLES


DEMO_ACCOUNTS = [
    DemoAccount(f"admin@{DEMO_DOMAIN}", "Ji-won Han", "한지원", Role.ASSOCIATION_ADMIN, ""),
    DemoAccount(f"privacy@{DEMO_DOMAIN}", "Min-seo Oh", "오민서", Role.PRIVACY_OFFICER, ""),
    DemoAccount(
        f"coordinator@{DEMO_DOMAIN}",
        "Soo-ah Lim",
        "임수아",
        Role.CENTER_COORDINATOR,
        "smc-gcc",
        "ko",
    ),
    DemoAccount(
        f"clinician@{DEMO_DOMAIN}", "Dr. Hyun-woo Baek", "백현우", Role.CLINICIAN, "smc-gcc"
    ),
    DemoAccount(
        f"registry@{DEMO_DOMAIN}", "Ye-jin Seo", "서예진", Role.REGISTRY_DATA_MANAGER, "sev-rmis"
    ),
    DemoAccount(
        f"training@{DEMO_DOMAIN}", "Dong-hyun Kwon", "권동현", Role.TRAINING_COORDINATOR, "sev-rmis"
    ),
    DemoAccount(f"trainee@{DEMO_DOMAIN}", "Dr. Aigerim Sadykova", "", Role.TRAINEE, "sev-rmis"),
    DemoAccount(f"patient@{DEMO_DOMAIN}", "Oyuntsetseg Bat", "", Role.INTERNATIONAL_PATIENT, ""),
    DemoAccount(f"referrer@{DEMO_DOMAIN}", "Dr. Ivan Petrov", "", Role.REFERRING_DOCTOR, ""),
]


def totp_secret(seed: int, email: str) -> str:
    """A base32 TOTP secret derived from the seed and the address."""
    digest = hashlib.sha256(f"caseway-demo:{seed}:{email}".encode()).digest()
    return base64.b32encode(digest[:20]).decode()


def current_code(secret: str) -> str:
    """The one-time code an authenticator app would show now for ``secret``."""
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))
