"""Memberships honour the access-gate contract; everyone may list their own roles."""

from typing import Any

from caseway.accounts.models import Membership
from caseway.core.testing import GateContract, signed_in


class TestMembershipGate(GateContract):
    model = Membership
    namespace = "accounts"
    api_path = "accounts/memberships"
    target = staticmethod(lambda w: w.membership_a)
    outsider = staticmethod(lambda w: w.coordinator_b)
    reader = staticmethod(lambda w: w.clinician_user_a)
    editor = staticmethod(lambda w: w.coordinator_a)
    change = {"valid_until": "2030-01-01"}

    def test_no_permission_is_forbidden(self, world: Any) -> None:
        """A person without roles sees no one else's roles and cannot grant any."""
        client = signed_in(world.nobody)
        assert client.get(self.api_url()).json()["items"] == []
        response = client.post(
            self.api_url(),
            {"user": world.nobody.pk, "role": "clinician", "center": world.center_a.pk},
            content_type="application/json",
        )
        assert response.status_code == 403
        assert not Membership.objects.filter(user=world.nobody).exists()
