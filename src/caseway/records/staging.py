"""Staging systems and their valid stages (plain data; no ORM).

FIGO stagings list every sub-stage so a stage is validated, not typed freely. TNM stage groups
follow the AJCC/UICC 8th edition pattern.
"""

from __future__ import annotations

import re

FIGO_2014_OVARY = (
    "IA",
    "IB",
    "IC1",
    "IC2",
    "IC3",
    "IIA",
    "IIB",
    "IIIA1(i)",
    "IIIA1(ii)",
    "IIIA2",
    "IIIB",
    "IIIC",
    "IVA",
    "IVB",
)
FIGO_2018_CERVIX = (
    "IA1",
    "IA2",
    "IB1",
    "IB2",
    "IB3",
    "IIA1",
    "IIA2",
    "IIB",
    "IIIA",
    "IIIB",
    "IIIC1r",
    "IIIC1p",
    "IIIC2r",
    "IIIC2p",
    "IVA",
    "IVB",
)
FIGO_2009_ENDOMETRIUM = ("IA", "IB", "II", "IIIA", "IIIB", "IIIC1", "IIIC2", "IVA", "IVB")
FIGO_2023_ENDOMETRIUM = (
    "IA1",
    "IA2",
    "IA3",
    "IB",
    "IC",
    "IIA",
    "IIB",
    "IIC",
    "IIIA1",
    "IIIA2",
    "IIIB1",
    "IIIB2",
    "IIIC1i",
    "IIIC1ii",
    "IIIC2i",
    "IIIC2ii",
    "IVA",
    "IVB",
    "IVC",
    "IAmPOLEmut",
    "IICmp53abn",
)
FIGO_2021_VULVA = ("IA", "IB", "II", "IIIA", "IIIB", "IIIC", "IVA", "IVB")
FIGO_2000_GTN = ("I", "II", "III", "IV")

_TNM_GROUP = re.compile(r"^(0|0is|I|II|III|IV)([A-D][1-3]?)?$")

#: system code -> (display name, valid stages or None when validated by pattern)
SYSTEMS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "figo-2014-ovary": ("FIGO 2014 ovary, fallopian tube and peritoneum", FIGO_2014_OVARY),
    "figo-2018-cervix": ("FIGO 2018 cervix uteri", FIGO_2018_CERVIX),
    "figo-2009-endometrium": ("FIGO 2009 endometrium", FIGO_2009_ENDOMETRIUM),
    "figo-2023-endometrium": ("FIGO 2023 endometrium", FIGO_2023_ENDOMETRIUM),
    "figo-2021-vulva": ("FIGO 2021 vulva", FIGO_2021_VULVA),
    "figo-2000-gtn": ("FIGO 2000 gestational trophoblastic neoplasia", FIGO_2000_GTN),
    "tnm-8": ("TNM 8th edition (AJCC/UICC) stage group", None),
}


def valid_stage(system: str, stage: str) -> bool:
    if system not in SYSTEMS:
        return False
    stages = SYSTEMS[system][1]
    if stages is None:
        return bool(_TNM_GROUP.match(stage))
    return stage in stages


def stage_group(stage: str) -> str:
    """The Roman-numeral group of a stage ("IIIA1(i)" -> "III"), for summaries and matching."""
    match = re.match(r"^(IV|I{1,3}|0)", stage)
    return match.group(1) if match else ""
