"""Surgeries for tests, recorded through the service as the application records them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from caseway.core.testing import SYSTEM
from caseway.registry import services
from caseway.registry.models import Complication, Procedure, Surgery, TeamMember

PCI_EXAMPLE = {str(r): s for r, s in enumerate([2, 1, 0, 0, 3, 2, 1, 0, 0, 1, 1, 0, 0])}


def cytoreduction(patient: Any, **fields: Any) -> Surgery:
    """A primary cytoreduction for advanced ovarian cancer at the patient's center, with a
    team, three Aletti procedures and two complications (IIIa on day 5, II on day 12)."""
    values: dict[str, Any] = {
        "patient": patient,
        "center": patient.center,
        "date": dt.date(2024, 3, 4),
        "specialty": "gyn_onc",
        "procedure_group": "ovarian_cytoreduction",
        "indication": "High-grade serous ovarian carcinoma FIGO IIIC",
        "timing": "primary",
        "advanced_ovarian": True,
        "approach": "open",
        "pci_intraop": PCI_EXAMPLE,
        "residual_mm": Decimal("0"),
        "mdt_discussed": True,
        "adjuvant_chemo_start": dt.date(2024, 4, 1),
    }
    values.update(fields)
    surgery = Surgery(**values)
    return services.record_surgery(
        SYSTEM,
        surgery,
        procedures=[
            Procedure(
                local_code="G-TAH", name="Hysterectomy and BSO", aletti_group="hysterectomy_bso"
            ),
            Procedure(local_code="G-OMT", name="Omentectomy", aletti_group="omentectomy"),
            Procedure(
                local_code="G-DIA",
                name="Diaphragm stripping",
                aletti_group="diaphragm_stripping_resection",
            ),
        ],
        team=[
            TeamMember(name="Dr. Kim", role="primary", specialty="gyn_onc"),
            TeamMember(name="Dr. Lee", role="bedside", specialty="general_surgery"),
        ],
        complications=[
            Complication(description="Pleural effusion, drained", grade="IIIa", day=5),
            Complication(description="Wound infection", grade="II", day=12),
        ],
    )
