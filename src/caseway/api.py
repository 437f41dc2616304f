"""The one NinjaAPI instance, with every domain app's router mounted."""

from __future__ import annotations

from caseway.accounts.api import router as accounts_router
from caseway.audit.api import router as audit_router
from caseway.core.api import build_api
from caseway.organizations.api import router as organizations_router
from caseway.portal.api import router as portal_router
from caseway.records.api import router as records_router
from caseway.registry.api import router as registry_router
from caseway.tumorboard.api import router as tumorboard_router

api = build_api()
api.add_router("/accounts", accounts_router)
api.add_router("/directory", organizations_router)
api.add_router("/audit", audit_router)
api.add_router("/records", records_router)
api.add_router("/registry", registry_router)
api.add_router("/tumorboard", tumorboard_router)
api.add_router("/portal", portal_router)
