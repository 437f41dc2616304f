"""The portal part of the demo: what the demo centers publish, their accreditations, the
evidence snapshot and news drafted from registry milestones and accreditation events.

Kept to the two seed pages: the gynecologic cancer center's ESGO accreditation for advanced
ovarian cancer surgery (granted 8 October 2021 for five years, so past its date now; the
renewal is recorded as submitted, which the portal shows as expired, renewal pending) and the
robotic center's 20,000th robotic operation (its news item is published; other drafts wait for
the centers to edit them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from caseway.core import versioning
from caseway.portal import evidence, services
from caseway.portal.models import Accreditation, CenterProfile

PROFILES: dict[str, dict[str, Any]] = {
    "smc-gcc": {
        "texts": {
            "en": {
                "summary": (
                    "The first center in Asia accredited by the European Society of "
                    "Gynaecological Oncology (ESGO) for advanced ovarian cancer surgery. About "
                    "350 ovarian cancer operations a year; multinational trials of molecularly "
                    "targeted therapies."
                ),
                "treats": (
                    "Ovarian, fallopian tube and primary peritoneal cancer; cervical, "
                    "endometrial and vulvar cancer."
                ),
                "team": (
                    "Gynecologic oncology, radiation oncology, pathology and translational "
                    "genomics, radiology, hematology-oncology and nuclear medicine decide each "
                    "patient's treatment together; hepatobiliary, vascular, urologic and "
                    "thoracic surgeons join operations when needed."
                ),
            },
            "ko": {
                "summary": (
                    "아시아 최초로 유럽부인종양학회(ESGO) 진행성 난소암 수술 인증을 받은 "
                    "센터입니다. 연간 약 350건의 난소암 수술을 시행하고 표적치료제 다국가 "
                    "임상시험을 수행합니다."
                ),
                "treats": "난소암, 난관암, 원발성 복막암, 자궁경부암, 자궁내막암, 외음부암.",
                "team": (
                    "부인종양, 방사선종양학, 병리·중개유전체, 영상의학, 혈액종양내과, "
                    "핵의학 전문의가 함께 환자별 치료를 결정하고, 필요하면 간담췌·혈관·"
                    "비뇨기·흉부외과 전문의가 수술에 참여합니다."
                ),
            },
            "ja": {
                "summary": (
                    "欧州婦人科腫瘍学会 (ESGO) の進行卵巣がん手術認定を"
                    "アジアで初めて取得したセンターです。"
                )
            },
            "ru": {
                "summary": (
                    "Первый в Азии центр, аккредитованный ESGO по хирургии распространённого "
                    "рака яичников."
                )
            },
            "mn": {
                "summary": (
                    "Өндгөвчний хорт хавдрын мэс заслаар ESGO-гийн магадлан итгэмжлэлтэй "
                    "Азийн анхны төв."
                )
            },
        },
        "declared_icd10": ["C56", "C57", "C48", "C53", "C54", "C51"],
        "declared_procedure_groups": ["ovarian_cytoreduction", "gyn_oncology"],
        "published_indicators": [
            ("esgo-aoc-2016", "complete-resection"),
            ("esgo-aoc-2016", "upfront-surgery"),
            ("esgo-aoc-2016", "center-volume"),
            ("esgo-aoc-2016", "operative-report"),
        ],
    },
    "sev-rmis": {
        "texts": {
            "en": {
                "summary": (
                    "The first center in Korea to introduce the da Vinci system (2005), with "
                    "more than 20,000 robotic operations. Trains surgeons, operating-room "
                    "nurses and staff from many countries, with live case observation and an "
                    "annual live symposium."
                ),
                "treats": (
                    "Robotic and minimally invasive surgery in urology, gynecology, general, "
                    "colorectal, thyroid and thoracic surgery."
                ),
            },
            "ko": {
                "summary": (
                    "2005년 국내 최초로 다빈치 로봇수술을 도입해 2만 례 이상의 로봇수술을 "
                    "시행했습니다. 여러 나라의 외과의, 수술실 간호사와 직원을 교육하며 라이브 "
                    "수술 참관과 연례 라이브 심포지엄을 운영합니다."
                ),
                "treats": "비뇨의학, 부인과, 일반외과, 대장항문, 갑상선, 흉부 로봇·최소침습 수술.",
            },
        },
        "declared_icd10": ["C61", "C64", "C67", "C16", "C18", "C20", "C73", "C34", "C53", "C54"],
        "declared_procedure_groups": [
            "urology",
            "colorectal",
            "upper_gi",
            "head_neck",
            "thoracic",
            "gyn_oncology",
        ],
        "published_indicators": [
            ("robotic-program", "robotic-volume"),
            ("robotic-program", "conversion"),
        ],
    },
}

ESGO = {
    "body": "ESGO",
    "body_name": "European Society of Gynaecological Oncology",
    "program_en": "Advanced ovarian cancer surgery",
    "program_ko": "진행성 난소암 수술",
    "level": "Accredited center",
    "scope_icd10": ["C56", "C57", "C48"],
    "scope_procedure_groups": ["ovarian_cytoreduction"],
    "granted_on": dt.date(2021, 10, 8),
    "public_url": "https://www.esgo.org/",
}


def build(actor: Any, centers: Mapping[str, Any], today: dt.date) -> dict[str, int]:
    """Profiles, accreditations, evidence and news for the demo centers present."""
    from caseway.registry import queries

    counts = {"portal profiles": 0, "accreditations": 0, "news items": 0}
    known = {(p, i.id) for p in queries.profiles() for i in queries.profile(p).indicators}
    for code, data in PROFILES.items():
        center = centers.get(code)
        if center is None:
            continue
        versioning.create(
            actor,
            CenterProfile(
                center=center,
                published=True,
                texts=data["texts"],
                declared_icd10=data["declared_icd10"],
                declared_procedure_groups=data["declared_procedure_groups"],
                published_indicators=[
                    {"profile": p, "indicator": i}
                    for p, i in data["published_indicators"]
                    if (p, i) in known  # a profile renamed since is skipped, not invented
                ],
            ),
        )
        counts["portal profiles"] += 1
    if "smc-gcc" in centers:
        accreditation = versioning.create(actor, Accreditation(center=centers["smc-gcc"], **ESGO))
        services.record_renewal(
            actor, accreditation, accreditation.version, min(today, dt.date(2026, 8, 20))
        )
        counts["accreditations"] += 1
    evidence.refresh([c.pk for c in centers.values()], today=today)
    drafts = services.draft_news(actor, today=today)
    counts["news items"] = len(drafts)
    for item in drafts:
        robotic_20000 = item.source_key.endswith(":robotic:20000")
        if robotic_20000 or item.source_key.startswith("accreditation:"):
            services.publish(actor, item, item.version)
    return counts
