"""Sign-ins, failed sign-ins and sign-outs go to the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from caseway.accounts.actor import Actor, client_address
from caseway.audit.models import AuditAction, AuditOutcome
from caseway.audit.services import write_event


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    write_event(
        Actor(user=user, client_address=client_address(request) if request else None),
        AuditAction.LOGIN,
    )


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        write_event(
            Actor(user=user, client_address=client_address(request) if request else None),
            AuditAction.LOGOUT,
        )


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    attempted = str(credentials.get("email") or credentials.get("username") or "")[:254]
    write_event(
        Actor(client_address=client_address(request) if request else None),
        AuditAction.LOGIN_FAILED,
        outcome=AuditOutcome.FAILED,
        actor_label=attempted or "anonymous",
        detail={"message": "wrong e-mail or password"},
    )
