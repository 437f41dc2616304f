"""Synthetic cancer patients as FHIR R4 resources (plain data, seeded, no ORM).

Distributions are plausible, not epidemiology: the mix of cancers a Korean tertiary center
sees, typical ages, stage spreads per staging system, and biomarker prevalences such as germline
BRCA1/2 in about 20% of ovarian cancers, HRD in about half, dMMR in about a quarter of
endometrial and MSI-H in about 15% of colorectal cancers. Used by the demo generator and by the
import benchmark; never presented as real data.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from caseway.records.fhir import codes as c


@dataclass(frozen=True)
class CancerProfile:
    name: str
    icd10: str
    topography: str
    sexes: tuple[str, ...]
    age: tuple[int, int]  # mean, spread
    staging: str
    stages: tuple[tuple[str, float], ...]
    morphologies: tuple[tuple[str, str, float], ...]
    marker: tuple[str, str, str, float, float] | None  # loinc, name, unit, normal, raised
    biomarkers: tuple[tuple[str, str, str, float], ...]  # kind, origin, result, prevalence
    surgery: str
    regimen: str
    weight: float


PROFILES = (
    CancerProfile(
        "Ovarian cancer",
        "C56.9",
        "C56.9",
        ("female",),
        (59, 10),
        "figo-2014-ovary",
        (
            ("IA", 0.08),
            ("IC1", 0.05),
            ("IC3", 0.04),
            ("IIB", 0.05),
            ("IIIA2", 0.05),
            ("IIIB", 0.06),
            ("IIIC", 0.42),
            ("IVA", 0.10),
            ("IVB", 0.15),
        ),
        (
            ("8461/3", "High-grade serous carcinoma", 0.70),
            ("8380/3", "Endometrioid carcinoma", 0.10),
            ("8310/3", "Clear cell carcinoma", 0.12),
            ("8480/3", "Mucinous carcinoma", 0.08),
        ),
        ("10334-1", "CA-125", "U/mL", 20, 900),
        (
            ("brca1", "germline", "pathogenic_variant", 0.14),
            ("brca2", "germline", "pathogenic_variant", 0.07),
            ("hrd", "", "positive", 0.50),
        ),
        "Cytoreductive surgery",
        "Carboplatin + paclitaxel",
        3,
    ),
    CancerProfile(
        "Endometrial cancer",
        "C54.1",
        "C54.1",
        ("female",),
        (61, 9),
        "figo-2009-endometrium",
        (
            ("IA", 0.50),
            ("IB", 0.15),
            ("II", 0.08),
            ("IIIA", 0.05),
            ("IIIC1", 0.10),
            ("IIIC2", 0.05),
            ("IVB", 0.07),
        ),
        (("8380/3", "Endometrioid carcinoma", 0.80), ("8441/3", "Serous carcinoma", 0.20)),
        None,
        (("mmr", "", "deficient", 0.27),),
        "Total hysterectomy with bilateral salpingo-oophorectomy",
        "Carboplatin + paclitaxel",
        2,
    ),
    CancerProfile(
        "Cervical cancer",
        "C53.9",
        "C53.9",
        ("female",),
        (50, 12),
        "figo-2018-cervix",
        (
            ("IA1", 0.08),
            ("IB1", 0.20),
            ("IB2", 0.15),
            ("IIB", 0.20),
            ("IIIC1r", 0.20),
            ("IVA", 0.07),
            ("IVB", 0.10),
        ),
        (("8070/3", "Squamous cell carcinoma", 0.80), ("8140/3", "Adenocarcinoma", 0.20)),
        None,
        (),
        "Radical hysterectomy",
        "Cisplatin with radiotherapy",
        1.5,
    ),
    CancerProfile(
        "Breast cancer",
        "C50.9",
        "C50.9",
        ("female",),
        (53, 11),
        "tnm-8",
        (("IA", 0.35), ("IIA", 0.25), ("IIB", 0.15), ("IIIA", 0.10), ("IIIC", 0.07), ("IV", 0.08)),
        (
            ("8500/3", "Invasive ductal carcinoma", 0.85),
            ("8520/3", "Invasive lobular carcinoma", 0.15),
        ),
        ("6875-9", "CA 15-3", "U/mL", 15, 80),
        (
            ("brca1", "germline", "pathogenic_variant", 0.03),
            ("brca2", "germline", "pathogenic_variant", 0.03),
        ),
        "Breast-conserving surgery",
        "Doxorubicin + cyclophosphamide, then paclitaxel",
        2,
    ),
    CancerProfile(
        "Prostate cancer",
        "C61",
        "C61.9",
        ("male",),
        (68, 8),
        "tnm-8",
        (
            ("I", 0.20),
            ("IIA", 0.25),
            ("IIB", 0.20),
            ("IIIA", 0.10),
            ("IIIB", 0.10),
            ("IVA", 0.07),
            ("IVB", 0.08),
        ),
        (("8140/3", "Acinar adenocarcinoma", 1.0),),
        ("2857-1", "PSA", "ng/mL", 2, 40),
        (("brca2", "germline", "pathogenic_variant", 0.03),),
        "Robotic radical prostatectomy",
        "Androgen deprivation therapy",
        2,
    ),
    CancerProfile(
        "Colorectal cancer",
        "C18.9",
        "C18.9",
        ("female", "male"),
        (64, 11),
        "tnm-8",
        (("I", 0.20), ("IIA", 0.25), ("IIIB", 0.25), ("IIIC", 0.10), ("IVA", 0.12), ("IVB", 0.08)),
        (("8140/3", "Adenocarcinoma", 0.90), ("8480/3", "Mucinous adenocarcinoma", 0.10)),
        ("2039-6", "CEA", "ng/mL", 2, 60),
        (("msi", "", "msi_high", 0.15),),
        "Robotic colectomy",
        "FOLFOX",
        2,
    ),
    CancerProfile(
        "Kidney cancer",
        "C64.9",
        "C64.9",
        ("female", "male"),
        (60, 12),
        "tnm-8",
        (("I", 0.55), ("II", 0.12), ("III", 0.18), ("IV", 0.15)),
        (
            ("8310/3", "Clear cell renal cell carcinoma", 0.80),
            ("8260/3", "Papillary renal cell carcinoma", 0.20),
        ),
        None,
        (),
        "Robotic partial nephrectomy",
        "Pembrolizumab + axitinib",
        1,
    ),
)

SURNAMES = [
    "Kim",
    "Lee",
    "Park",
    "Choi",
    "Jung",
    "Kang",
    "Cho",
    "Yoon",
    "Jang",
    "Lim",
    "Han",
    "Oh",
    "Seo",
    "Shin",
    "Kwon",
    "Hwang",
    "Ahn",
    "Song",
    "Yoo",
    "Hong",
]
SURNAMES_KO = [
    "김",
    "이",
    "박",
    "최",
    "정",
    "강",
    "조",
    "윤",
    "장",
    "임",
    "한",
    "오",
    "서",
    "신",
    "권",
    "황",
    "안",
    "송",
    "유",
    "홍",
]
GIVEN = [
    ("Seo-yeon", "서연"),
    ("Ji-woo", "지우"),
    ("Min-jun", "민준"),
    ("Ha-eun", "하은"),
    ("Do-yoon", "도윤"),
    ("Su-ah", "수아"),
    ("Ye-jin", "예진"),
    ("Jun-seo", "준서"),
    ("Eun-ji", "은지"),
    ("Hyun-woo", "현우"),
    ("Mi-kyung", "미경"),
    ("Young-ho", "영호"),
]
FOREIGN = [
    ("MN", "mn", "Batbold Oyun"),
    ("RU", "ru", "Ivanova Elena"),
    ("KZ", "ru", "Nurlanov Arman"),
    ("VN", "vi", "Nguyen Thi Lan"),
    ("CN", "zh", "Wang Fang"),
    ("JP", "ja", "Sato Yumi"),
    ("AE", "ar", "Al Mansoori Fatima"),
    ("US", "en", "Miller Susan"),
]


def _choose(rng: random.Random, weighted: tuple[tuple[Any, ...], ...]) -> tuple[Any, ...]:
    return rng.choices(weighted, weights=[w[-1] for w in weighted])[0]


def patient_resources(
    rng: random.Random,
    number: int,
    center_code: str,
    today: dt.date,
    profiles: tuple[CancerProfile, ...] = PROFILES,
) -> Iterator[dict[str, Any]]:
    """The resources of one synthetic patient, with Type/id references among them."""
    profile = rng.choices(profiles, weights=[p.weight for p in profiles])[0]
    pid = f"syn-{center_code}-{number}"
    sex = rng.choice(profile.sexes)
    age = max(25, min(90, int(rng.gauss(*profile.age))))
    diagnosed = today - dt.timedelta(days=rng.randint(20, 5 * 365))
    born = dt.date(diagnosed.year - age, rng.randint(1, 12), rng.randint(1, 28))
    foreign = rng.random() < 0.15
    if foreign:
        country, language, romanized = rng.choice(FOREIGN)
        original = romanized
    else:
        index = rng.randrange(len(SURNAMES))
        given, given_ko = rng.choice(GIVEN)
        country, language = "KR", "ko"
        romanized, original = f"{SURNAMES[index]} {given}", f"{SURNAMES_KO[index]}{given_ko}"
    identifiers = [
        {
            "type": {"coding": [{"system": c.V2_0203, "code": "MR"}]},
            "system": c.MRN_SYSTEM + center_code,
            "value": f"{number:08d}",
        }
    ]
    if foreign:
        identifiers.append(
            {
                "type": {"coding": [{"system": c.V2_0203, "code": "PPN"}]},
                "system": c.PASSPORT_SYSTEM + country,
                "value": f"{country}{rng.randint(1000000, 9999999)}",
            }
        )
    yield {
        "resourceType": "Patient",
        "id": pid,
        "identifier": identifiers,
        "name": [{"use": "official", "text": original}, {"use": "usual", "text": romanized}],
        "gender": sex,
        "birthDate": born.isoformat(),
        "communication": [
            {
                "language": {"coding": [{"system": "urn:ietf:bcp:47", "code": language}]},
                "preferred": True,
            }
        ],
        "extension": [
            {
                "url": c.NATIONALITY_EXT,
                "extension": [
                    {
                        "url": "code",
                        "valueCodeableConcept": {
                            "coding": [{"system": "urn:iso:std:iso:3166", "code": country}]
                        },
                    }
                ],
            }
        ],
    }
    subject = {"reference": f"Patient/{pid}"}
    morphology, histotype, _w = _choose(rng, profile.morphologies)
    cid = f"{pid}-c"
    yield {
        "resourceType": "Condition",
        "id": cid,
        "meta": {"profile": [c.PROFILE_PRIMARY]},
        "code": {"coding": [{"system": c.ICD10, "code": profile.icd10}], "text": profile.name},
        "bodySite": [{"coding": [{"system": c.ICDO3, "code": profile.topography}]}],
        "extension": [
            {
                "url": c.EXT_HISTOLOGY,
                "valueCodeableConcept": {
                    "coding": [{"system": c.ICDO3, "code": morphology}],
                    "text": histotype,
                },
            },
            {"url": c.EXT_GRADE, "valueString": rng.choice(["G1", "G2", "G3"])},
        ],
        "subject": subject,
        "onsetDateTime": diagnosed.isoformat(),
    }
    stage, _w = _choose(rng, profile.stages)
    basis = "21902-2" if rng.random() < 0.6 else "21908-9"
    yield {
        "resourceType": "Observation",
        "id": f"{pid}-s",
        "status": "final",
        "code": {"coding": [{"system": c.LOINC, "code": basis}]},
        "subject": subject,
        "effectiveDateTime": (diagnosed + dt.timedelta(days=10)).isoformat(),
        "valueCodeableConcept": {
            "coding": [{"system": c.STAGING_SYSTEM + profile.staging, "code": stage}]
        },
        "focus": [{"reference": f"Condition/{cid}"}],
    }
    yield {
        "resourceType": "Observation",
        "id": f"{pid}-ecog",
        "status": "final",
        "code": {"coding": [{"system": c.LOINC, "code": c.LOINC_ECOG}]},
        "subject": subject,
        "effectiveDateTime": (diagnosed + dt.timedelta(days=3)).isoformat(),
        "valueInteger": rng.choices([0, 1, 2, 3], weights=[45, 35, 15, 5])[0],
    }
    if profile.marker:
        loinc, name, unit, normal, raised = profile.marker
        level = raised * rng.uniform(0.3, 2.0)
        for visit in range(rng.randint(2, 5)):
            day = diagnosed + dt.timedelta(days=-5 + 45 * visit)
            if day > today:
                break
            yield {
                "resourceType": "Observation",
                "id": f"{pid}-m{visit}",
                "status": "final",
                "meta": {"profile": [c.PROFILE_TUMOR_MARKER]},
                "code": {"coding": [{"system": c.LOINC, "code": loinc}], "text": name},
                "subject": subject,
                "effectiveDateTime": day.isoformat(),
                "valueQuantity": {"value": round(max(normal * 0.5, level), 1), "unit": unit},
            }
            level *= rng.uniform(0.25, 0.9)
    for kind, origin, result, prevalence in profile.biomarkers:
        if rng.random() < 0.8:  # most patients are tested
            positive = rng.random() < prevalence
            value = (
                result
                if positive
                else {
                    "pathogenic_variant": "no_pathogenic_variant",
                    "positive": "negative",
                    "deficient": "proficient",
                    "msi_high": "stable",
                }[result]
            )
            resource: dict[str, Any] = {
                "resourceType": "Observation",
                "id": f"{pid}-b-{kind}",
                "status": "final",
                "code": {"coding": [{"system": c.BIOMARKER, "code": kind}]},
                "subject": subject,
                "effectiveDateTime": (diagnosed + dt.timedelta(days=21)).isoformat(),
                "valueCodeableConcept": {"coding": [{"system": c.BIOMARKER_RESULT, "code": value}]},
            }
            if origin:
                resource["component"] = [
                    {
                        "code": {"coding": [{"system": c.LOINC, "code": c.LOINC_GENOMIC_SOURCE}]},
                        "valueCodeableConcept": {
                            "coding": [{"system": c.LOINC, "code": c.GENOMIC_SOURCE[origin]}]
                        },
                    }
                ]
            yield resource
    surgery_day = diagnosed + dt.timedelta(days=rng.randint(14, 40))
    if surgery_day <= today:
        yield {
            "resourceType": "Procedure",
            "id": f"{pid}-p",
            "status": "completed",
            "meta": {"profile": [c.PROFILE_SURGERY]},
            "code": {"text": profile.surgery},
            "subject": subject,
            "performedDateTime": surgery_day.isoformat(),
            "reasonReference": [{"reference": f"Condition/{cid}"}],
        }
    start = surgery_day + dt.timedelta(days=rng.randint(18, 35))
    if start <= today:
        end = start + dt.timedelta(days=rng.choice([84, 105, 126]))
        period = {"start": start.isoformat()}
        if end <= today:
            period["end"] = end.isoformat()
        yield {
            "resourceType": "MedicationStatement",
            "id": f"{pid}-rx",
            "status": "completed" if "end" in period else "active",
            "medicationCodeableConcept": {"text": profile.regimen},
            "subject": subject,
            "effectivePeriod": period,
            "extension": [{"url": c.EXT_TREATMENT_LINE, "valueInteger": 1}],
            "reasonReference": [{"reference": f"Condition/{cid}"}],
        }


GYNECOLOGIC = tuple(p for p in PROFILES if p.icd10 in ("C56.9", "C54.1", "C53.9"))
ROBOTIC = tuple(p for p in PROFILES if p.icd10 in ("C61", "C18.9", "C64.9", "C54.1"))


def cohort(
    seed: int,
    patients: int,
    center_code: str,
    today: dt.date,
    profiles: tuple[CancerProfile, ...] = PROFILES,
) -> Iterator[dict[str, Any]]:
    rng = random.Random(f"{seed}:{center_code}")
    for number in range(1, patients + 1):
        yield from patient_resources(rng, number, center_code, today, profiles)
