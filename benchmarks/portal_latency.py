"""Portal latency at national scale: search and center pages with 20 concurrent clients.

Builds a synthetic national registry of 1,000 centers in about 300 institutions across Korean
cities (bilingual names, departments, clinicians and the languages they speak, published
profiles and indicators for about a fifth of the centers, accreditations for about one in
twenty, one of them expired in October 2026 with its renewal pending) and 2,000,000 surgeries
over the last ten years up to today (``caseway.registry.synthetic``: national centers, their
case mixes and approaches, robotic multi-port and single-port included; center sizes skewed so
that a few are large and many small). Every surgery names a patient condition coded in ICD-10
(C56 ovary, C53 cervix, C54 endometrium, C61 prostate, C64 kidney, C16 stomach, C18/C20 colon
and rectum, C34 lung, C73 thyroid ...), so the portal's condition volumes exist.

The dataset is loaded into a fresh PostgreSQL database of its own (COPY through the importer's
``insert_rows``, in a child process with its own settings), then ``VACUUM ANALYZE`` and
``caseway.portal.evidence.refresh()`` (the nightly job, timed). Then Caseway runs as in
production (gunicorn, production settings, ``benchmarks/http_latency.py``'s environment): the
nightly ``caseway portal refresh`` and ``caseway portal warm`` (timed), and 20 keep-alive
clients measure, in the same run: ``/api/health`` (baseline), search cycling through a mix of
English, Korean, ICD-10 and procedure or approach queries with and without language and city
filters, center pages cycling over every center (English and Korean), and the partners' JSON,
with the CPU the server (gunicorn workers and PostgreSQL backends) spent per request; then
search and center pages again with the portal's cache switched off (every page rendered).
Last, the same requests one at a time in process (Django test client, cache off), counting
their SQL queries and CPU, and once more under cProfile, to say where the time goes. Writes its
section of docs/benchmarks.md (the last run is kept in var/portal-bench-result.json;
``--rewrite-docs`` writes the section from it; ``--reuse-database`` measures the database the
last load left, ``var/portal-bench-load.json`` saying what it holds).

    .venv/bin/python benchmarks/portal_latency.py [--surgeries 2000000] [--centers 1000]
        [--requests 2000 | --quick] [--keep PATH | --reuse PATH] [--reuse-database]
        [--no-results] [--rewrite-docs]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import pickle
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "src"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from benchmarks import http_latency as hl  # noqa: E402
from benchmarks import registry_indicators as ri  # noqa: E402
from benchmarks.report import machine, write_section  # noqa: E402

SAVED = ROOT / "var" / "portal-bench-result.json"  # the last run
LOADED = ROOT / "var" / "portal-bench-load.json"  # what the database holds (--reuse-database)
SECTION = "## Portal: search and center pages"
DATABASE = "caseway_portal_bench"
DATABASE_URL = os.environ.get(
    "BENCH_PORTAL_DATABASE_URL", f"postgres://caseway:caseway@127.0.0.1:5432/{DATABASE}"
)
SEED = 20261128
CHUNK = 20_000
POOL = 4  # patients (each with one condition) per center and ICD-10 code
GOALS = {"search": 100.0, "center page": 150.0}

# --- the synthetic country ---------------------------------------------------------------------
#: (English, Korean, weight): where the institutions are.
CITIES = (
    ("Seoul", "서울", 30),
    ("Busan", "부산", 10),
    ("Incheon", "인천", 6),
    ("Daegu", "대구", 6),
    ("Daejeon", "대전", 5),
    ("Gwangju", "광주", 5),
    ("Suwon", "수원", 4),
    ("Seongnam", "성남", 4),
    ("Ulsan", "울산", 3),
    ("Goyang", "고양", 3),
    ("Changwon", "창원", 3),
    ("Ansan", "안산", 2),
    ("Cheongju", "청주", 2),
    ("Jeonju", "전주", 2),
    ("Cheonan", "천안", 2),
    ("Jeju", "제주", 2),
    ("Wonju", "원주", 1),
    ("Chuncheon", "춘천", 1),
    ("Pohang", "포항", 1),
    ("Jinju", "진주", 1),
)
STEMS = (
    ("Hanul", "한울"),
    ("Saebit", "새빛"),
    ("Dasol", "다솔"),
    ("Mirae", "미래"),
    ("Haneul", "하늘"),
    ("Nuri", "누리"),
    ("Bitna", "빛나"),
    ("Areum", "아름"),
    ("Gaon", "가온"),
    ("Doure", "두레"),
    ("Hanbit", "한빛"),
    ("Seorin", "서린"),
    ("Yeoul", "여울"),
    ("Bada", "바다"),
    ("Pureun", "푸른"),
    ("Maru", "마루"),
    ("Narae", "나래"),
    ("Eunbit", "은빛"),
    ("Sarang", "사랑"),
    ("Onnuri", "온누리"),
)
HOSPITAL_KINDS = (
    ("University Hospital", "대학교병원"),
    ("Medical Center", "의료원"),
    ("General Hospital", "종합병원"),
    ("Cancer Hospital", "암병원"),
    ("Christian Hospital", "기독병원"),
)
#: Center names by the kind of the synthetic national center (its case mix), and their kind.
CENTER_NAMES = {
    "robotic": (
        ("Robotic Surgery Center", "로봇수술센터"),
        ("Minimally Invasive and Robotic Surgery Center", "최소침습로봇수술센터"),
        ("Single-Port Robotic Surgery Center", "단일공로봇수술센터"),
    ),
    "gynecologic": (
        ("Gynecologic Cancer Center", "부인암센터"),
        ("Women's Cancer Center", "여성암센터"),
        ("Ovarian Cancer Clinic", "난소암클리닉"),
    ),
    "general": (
        ("Cancer Center", "암센터"),
        ("Digestive Cancer Center", "소화기암센터"),
        ("Urologic Cancer Center", "비뇨기암센터"),
        ("Thyroid Cancer Center", "갑상선암센터"),
        ("Lung Cancer Center", "폐암센터"),
        ("Surgical Oncology Center", "종양외과센터"),
        ("Comprehensive Surgery Center", "종합수술센터"),
    ),
}
CENTER_KIND = {"robotic": "surgical", "gynecologic": "cancer", "general": "cancer"}
DEPARTMENTS = {
    "obstetrics_gynecology": ("Obstetrics and Gynecology", "산부인과", "Gynecologic oncology"),
    "urology": ("Urology", "비뇨의학과", "Urologic oncology"),
    "general_surgery": ("General Surgery", "외과", "Surgical oncology"),
    "colorectal_surgery": ("Colorectal Surgery", "대장항문외과", "Colorectal surgery"),
    "thoracic_surgery": ("Thoracic Surgery", "흉부외과", "Thoracic surgery"),
    "hepatobiliary_pancreatic_surgery": (
        "Hepatobiliary and Pancreatic Surgery",
        "간담췌외과",
        "Hepatobiliary surgery",
    ),
    "otolaryngology": ("Otolaryngology", "이비인후과", "Head and neck surgery"),
    "radiation_oncology": ("Radiation Oncology", "방사선종양학과", "Radiation oncology"),
    "hematology_oncology": ("Hematology-Oncology", "혈액종양내과", "Medical oncology"),
    "radiology": ("Radiology", "영상의학과", "Radiology"),
}
KIND_DEPARTMENTS = {
    "robotic": ("urology", "general_surgery", "obstetrics_gynecology", "otolaryngology"),
    "gynecologic": ("obstetrics_gynecology", "radiation_oncology", "hematology_oncology"),
    "general": (
        "general_surgery",
        "colorectal_surgery",
        "thoracic_surgery",
        "urology",
        "hepatobiliary_pancreatic_surgery",
        "obstetrics_gynecology",
        "hematology_oncology",
    ),
}
SURNAMES = (
    ("Kim", "김"),
    ("Lee", "이"),
    ("Park", "박"),
    ("Choi", "최"),
    ("Jung", "정"),
    ("Kang", "강"),
    ("Cho", "조"),
    ("Yoon", "윤"),
    ("Jang", "장"),
    ("Lim", "임"),
    ("Han", "한"),
    ("Oh", "오"),
    ("Seo", "서"),
    ("Shin", "신"),
    ("Kwon", "권"),
)
GIVEN_NAMES = (
    ("Minjun", "민준"),
    ("Seoyeon", "서연"),
    ("Jiho", "지호"),
    ("Hayoon", "하윤"),
    ("Doyun", "도윤"),
    ("Jiwoo", "지우"),
    ("Eunji", "은지"),
    ("Hyunwoo", "현우"),
    ("Sumin", "수민"),
    ("Jisoo", "지수"),
    ("Yejin", "예진"),
    ("Sungmin", "성민"),
)
TITLES = ("Professor", "Associate Professor", "Assistant Professor", "Clinical Professor")
#: Besides Korean: the share of clinicians speaking each language.
SPOKEN = (("en", 0.55), ("ja", 0.06), ("zh", 0.06), ("ru", 0.04), ("mn", 0.025), ("vi", 0.025),
          ("ar", 0.015))  # fmt: skip
#: The condition behind each synthetic case type: ICD-10 code, description, role.
CONDITIONS = {
    "ovarian_aoc": ("C56.9", "Malignant neoplasm of ovary"),
    "ovarian_secondary": ("C56.9", "Malignant neoplasm of ovary"),
    "ovarian_early": ("C56.9", "Malignant neoplasm of ovary"),
    "endometrial": ("C54.1", "Malignant neoplasm of endometrium"),
    "cervical": ("C53.9", "Malignant neoplasm of cervix uteri"),
    "benign_gyn": ("D25.9", "Leiomyoma of uterus"),
    "prostatectomy": ("C61", "Malignant neoplasm of prostate"),
    "partial_nephrectomy": ("C64", "Malignant neoplasm of kidney"),
    "nephrectomy": ("C64", "Malignant neoplasm of kidney"),
    "cystectomy": ("C67.9", "Malignant neoplasm of bladder"),
    "rectal": ("C20", "Malignant neoplasm of rectum"),
    "colon": ("C18.2", "Malignant neoplasm of ascending colon"),
    "gastrectomy": ("C16.9", "Malignant neoplasm of stomach"),
    "thyroidectomy": ("C73", "Malignant neoplasm of thyroid gland"),
    "tors": ("C10.9", "Malignant neoplasm of oropharynx"),
    "lobectomy": ("C34.1", "Malignant neoplasm of upper lobe, bronchus or lung"),
    "hepatectomy": ("C22.0", "Liver cell carcinoma"),
    "pancreatectomy": ("C25.1", "Malignant neoplasm of body of pancreas"),
    "cholecystectomy": ("K80.2", "Calculus of gallbladder without cholecystitis"),
    "appendectomy": ("K35.8", "Acute appendicitis"),
    "mitral": ("I34.0", "Nonrheumatic mitral (valve) insufficiency"),
}
OTHER_TEXTS = {
    "ru": "Синтетический центр для нагрузочного теста: {name}.",
    "ja": "負荷試験用の合成センター：{name}。",  # noqa: RUF001 (Japanese punctuation)
    "zh": "用于负载测试的合成中心：{name}。",  # noqa: RUF001 (Chinese punctuation)
    "mn": "Ачааллын туршилтын синтетик төв: {name}.",
    "vi": "Trung tâm tổng hợp cho thử nghiệm tải: {name}.",
    "ar": "مركز اصطناعي لاختبار الحمل: {name}.",
}

#: Search requests: interface language, query, language spoken, city.
SEARCHES = (
    ("en", "ovarian cancer", "", ""),
    ("ko", "난소암", "", ""),
    ("en", "C56", "", ""),
    ("en", "robotic prostatectomy", "", ""),
    ("ko", "로봇 전립선절제술", "", ""),
    ("en", "single-port surgery", "", ""),
    ("en", "lung cancer", "ru", ""),
    ("en", "thyroid", "", "Busan"),
    ("ko", "갑상선암", "", "Busan"),
    ("en", "cervical cancer", "", ""),
    ("en", "robotic endometrial cancer", "", ""),
    ("ko", "자궁내막암", "", "Seoul"),
    ("en", "kidney cancer", "en", ""),
    ("en", "C64 partial nephrectomy", "", ""),
    ("en", "stomach cancer", "", "Seoul"),
    ("ko", "위암", "", ""),
    ("en", "colorectal cancer", "", ""),
    ("ko", "대장암", "en", ""),
    ("en", "robotic rectal cancer", "mn", ""),
    ("en", "C34", "", ""),
    ("en", "thyroid cancer", "vi", ""),
    ("en", "prostate cancer", "ar", "Seoul"),
    ("en", "liver cancer", "zh", ""),
    ("en", "gastric cancer", "ja", "Daegu"),
    ("ko", "폐암", "ru", ""),
    ("ko", "단일공 로봇수술", "", ""),
    ("en", "C61", "", "Incheon"),
    ("en", "C18", "", ""),
    ("en", "robotic surgery", "", ""),
    ("en", "Hanul", "", ""),
)


def today_here() -> dt.date:
    """The date where the registry is (the settings' time zone), as the portal sees it."""
    from django.utils import timezone

    return timezone.localdate()


def ten_years(today: dt.date) -> list[int]:
    return list(range(today.year - 9, today.year + 1))


def planned_total(total: int, today: dt.date) -> int:
    """What to plan over ten calendar years so that about ``total`` fall on or before today
    (the current year is partly over; what comes after today is not generated)."""
    elapsed = (today - dt.date(today.year, 1, 1)).days / 365
    return round(total * 10 / (9 + elapsed))


def skewed_centers(count: int, rng: random.Random) -> tuple[list[Any], list[float]]:
    """The synthetic national centers with their volumes multiplied by a heavy-tailed size
    (their institution's and their own), so that a few are large and many small."""
    from caseway.registry import synthetic

    centers = synthetic.national_centers(count, SEED)
    sizes = [rng.lognormvariate(0, 0.9) for _center in centers]
    scaled = []
    for center, size in zip(centers, sizes, strict=True):
        ovarian = center.ovarian
        if ovarian is not None:
            ovarian = replace(ovarian, per_year=ovarian.per_year * size)
        scaled.append(
            replace(
                center,
                streams=tuple((key, volume * size) for key, volume in center.streams),
                ovarian=ovarian,
            )
        )
    return scaled, sizes


def kind_of(number: int) -> str:
    """The national center's kind, as ``synthetic.national_centers`` assigns it."""
    return ("general", "general", "gynecologic", "robotic")[number % 4]


def build_world(centers: list[Any], sizes: list[float], today: dt.date) -> dict[str, Any]:
    """Institutions, centers, departments, clinicians, profiles, accreditations and the
    patients with their conditions, as plain rows (primary keys given)."""
    from caseway.registry import synthetic

    rng = random.Random(f"{SEED}:world")
    count = len(centers)
    institutions: list[dict[str, Any]] = []
    names_taken: set[str] = set()
    city_weights = [w for _en, _ko, w in CITIES]
    for number in range(1, max(1, round(count * 0.3)) + 1):
        city_en, city_ko, _weight = rng.choices(CITIES, weights=city_weights)[0]
        stem, kind = rng.choice(STEMS), rng.choice(HOSPITAL_KINDS)
        name_en, name_ko = f"{stem[0]} {kind[0]}", f"{stem[1]}{kind[1]}"
        if name_en in names_taken:
            name_en, name_ko = f"{city_en} {name_en}", f"{city_ko} {name_ko}"
        if name_en in names_taken:
            name_en, name_ko = f"{name_en} {number}", f"{name_ko} {number}"
        names_taken.add(name_en)
        has_ipc = rng.random() < 0.4
        institutions.append(
            {
                "id": number,
                "code": f"inst-{number:03d}",
                "name_en": name_en,
                "name_ko": name_ko,
                "city_en": city_en,
                "city_ko": city_ko,
                "founded_year": rng.randint(1950, 2015),
                "ipc_contact_name": "International Patient Center" if has_ipc else "",
                "ipc_phone": f"+82-2-{rng.randint(2000, 3999)}-{rng.randint(1000, 9999)}"
                if has_ipc
                else "",
                "ipc_email": f"ipc@inst-{number:03d}.example.org" if has_ipc else "",
            }
        )
    # Every institution has a center; the others go to institutions by their size.
    weights = [rng.lognormvariate(0, 0.8) for _i in institutions]
    owner = list(range(1, len(institutions) + 1))[:count]
    owner += rng.choices(range(1, len(institutions) + 1), weights=weights, k=count - len(owner))
    rng.shuffle(owner)
    centers_rows: list[dict[str, Any]] = []
    used: dict[int, set[str]] = {}
    for number, (center, institution) in enumerate(zip(centers, owner, strict=True), start=1):
        kind = kind_of(number - 1)
        taken = used.setdefault(institution, set())
        options = [n for n in CENTER_NAMES[kind] if n[0] not in taken]
        first_en, first_ko = CENTER_NAMES[kind][0]
        name_en, name_ko = (
            options[0]
            if options
            else (
                f"{first_en} {len(taken) + 1}",
                f"{first_ko} {len(taken) + 1}",
            )
        )
        taken.add(name_en)
        centers_rows.append(
            {
                "id": number,
                "institution_id": institution,
                "code": center.code,
                "kind": CENTER_KIND[kind],
                "name_en": name_en,
                "name_ko": name_ko,
                "established_year": rng.randint(2000, 2020),
            }
        )
    # Departments of each institution: what its centers need, and radiology.
    departments: list[dict[str, Any]] = []
    department_of: dict[tuple[int, str], int] = {}
    for institution in institutions:
        kinds = {"radiology"}
        for row in centers_rows:
            if row["institution_id"] == institution["id"]:
                kinds.update(KIND_DEPARTMENTS[kind_of(row["id"] - 1)])
        for kind in sorted(kinds):
            name_en, name_ko, _specialty = DEPARTMENTS[kind]
            department_of[(institution["id"], kind)] = len(departments) + 1
            departments.append(
                {
                    "id": len(departments) + 1,
                    "institution_id": institution["id"],
                    "kind": kind,
                    "name_en": name_en,
                    "name_ko": name_ko,
                }
            )
    clinicians: list[dict[str, Any]] = []
    for row, size in zip(centers_rows, sizes, strict=True):
        kind = kind_of(row["id"] - 1)
        for _n in range(2 + min(10, round(2 * size)) + rng.randint(0, 2)):
            department = rng.choice(KIND_DEPARTMENTS[kind])
            surname, given = rng.choice(SURNAMES), rng.choice(GIVEN_NAMES)
            languages = ["ko"] + [code for code, share in SPOKEN if rng.random() < share]
            institution_level = rng.random() < 0.08  # listed by the institution, no center
            clinicians.append(
                {
                    "id": len(clinicians) + 1,
                    "institution_id": row["institution_id"],
                    "department_id": department_of[(row["institution_id"], department)],
                    "center_id": None if institution_level else row["id"],
                    "name_en": f"{surname[0]} {given[0]}",
                    "name_ko": f"{surname[1]}{given[1]}",
                    "title": rng.choice(TITLES),
                    "specialty": DEPARTMENTS[department][2],
                    "languages": languages,
                }
            )
    # Patients: a small pool per center and condition, each with that condition.
    patients: list[dict[str, Any]] = []
    conditions: list[dict[str, Any]] = []
    pools: dict[tuple[int, str], list[int]] = {}
    for number, center in enumerate(centers, start=1):
        keys = sorted({key for year in range(today.year - 9, today.year + 1)
                       for key in synthetic.expected_counts(center, year)})  # fmt: skip
        for key in keys:
            icd10, description = CONDITIONS[key]
            sex = synthetic.CASE_TYPES[key].sex
            pool = pools.setdefault((number, icd10), [])
            if pool:
                continue
            for n in range(POOL):
                pk = len(patients) + 1
                patient_sex = sex if sex != "any" else ("female", "male")[n % 2]
                patients.append(
                    {"id": pk, "center_id": number, "sex": patient_sex,
                     "birth_date": dt.date(1950 + pk % 40, 1 + pk % 12, 1 + pk % 28)}
                )  # fmt: skip
                conditions.append(
                    {
                        "id": pk,
                        "patient_id": pk,
                        "role": "other" if icd10[0] != "C" else "primary",
                        "icd10": icd10,
                        "description": description,
                    }
                )
                pool.append(pk)
    profiles, accreditations = _publications(centers, centers_rows, institutions, rng, today)
    return {
        "institutions": institutions,
        "centers": centers_rows,
        "departments": departments,
        "clinicians": clinicians,
        "patients": patients,
        "conditions": conditions,
        "pools": pools,
        "profiles": profiles,
        "accreditations": accreditations,
    }


def _publications(
    centers: list[Any],
    rows: list[dict[str, Any]],
    institutions: list[dict[str, Any]],
    rng: random.Random,
    today: dt.date,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """About 20% of the centers publish a profile with indicators (a few more keep theirs
    unpublished); about 5% hold accreditations, one expired in October 2026 with its renewal
    pending."""
    from caseway.registry import synthetic

    count = len(centers)
    order = list(range(count))
    rng.shuffle(order)
    published = set(order[: max(1, round(count * 0.2))])
    drafts = set(order[len(published) : len(published) + max(1, round(count * 0.03))])
    by_id = {i["id"]: i for i in institutions}
    profiles = []
    for index in sorted(published | drafts):
        center, row = centers[index], rows[index]
        volumes = synthetic.expected_counts(center, today.year)
        top = sorted(volumes, key=volumes.get, reverse=True)[:6]
        icd10 = sorted({CONDITIONS[key][0][:3] for key in top})
        groups = sorted({synthetic.CASE_TYPES[key].group for key in top})
        indicators = [
            {"profile": "local-outcomes", "indicator": "mortality-30d"},
            {"profile": "local-outcomes", "indicator": "major-morbidity"},
        ]
        if center.ovarian is not None:
            indicators = [
                {"profile": "esgo-aoc-2016", "indicator": "complete-resection"},
                {"profile": "esgo-aoc-2016", "indicator": "upfront-surgery"},
                {"profile": "esgo-aoc-2016", "indicator": "center-volume"},
                *indicators,
            ]
        if center.robotic >= 0.3:
            indicators.append({"profile": "robotic-program", "indicator": "conversion"})
        institution = by_id[row["institution_id"]]
        name_en = f"{row['name_en']}, {institution['name_en']}"
        name_ko = f"{institution['name_ko']} {row['name_ko']}"
        texts: dict[str, dict[str, str]] = {
            "en": {
                "summary": f"The {name_en} in {institution['city_en']} (synthetic data).",
                "treats": ", ".join(CONDITIONS[key][1] for key in top[:4]) + ".",
                "team": "Surgeons, oncologists, specialist nurses and coordinators.",
            },
            "ko": {
                "summary": f"{institution['city_ko']}의 {name_ko} (합성 데이터).",
                "treats": "암 수술과 최소침습 수술.",
                "team": "외과의, 종양내과의, 전문간호사와 코디네이터.",
            },
        }
        if rng.random() < 0.3:
            language = rng.choice(sorted(OTHER_TEXTS))
            texts[language] = {"summary": OTHER_TEXTS[language].format(name=name_en)}
        profiles.append(
            {
                "id": len(profiles) + 1,
                "center_id": row["id"],
                "published": index in published,
                "texts": texts,
                "declared_icd10": icd10,
                "declared_procedure_groups": groups,
                "published_indicators": indicators,
            }
        )
    accreditations = []
    accredited = order[: max(1, round(count * 0.05))]  # all with a published profile
    for position, index in enumerate(accredited):
        center, row = centers[index], rows[index]
        if center.ovarian is not None:
            scope = {
                "body": "ESGO",
                "body_name": "European Society of Gynaecological Oncology",
                "program_en": "Advanced ovarian cancer surgery",
                "program_ko": "진행성 난소암 수술",
                "level": "Center of excellence",
                "scope_icd10": ["C56", "C57", "C48"],
                "scope_procedure_groups": ["ovarian_cytoreduction"],
                "scope_approaches": [],
            }
        else:
            scope = {
                "body": "SRS",
                "body_name": "Society of Robotic Surgery",
                "program_en": "Robotic surgery center of excellence",
                "program_ko": "로봇수술 우수센터",
                "level": "",
                "scope_icd10": [],
                "scope_procedure_groups": [],
                "scope_approaches": ["robotic_multiport", "robotic_single_port"],
            }
        if position == 0:  # expired in October 2026, renewal submitted in the summer
            granted, until, renewal = (
                dt.date(2021, 10, 12),
                dt.date(2026, 10, 12),
                dt.date(2026, 7, 20),
            )
        else:
            granted = today - dt.timedelta(days=rng.randint(30, 5 * 365 - 30))  # still valid
            until, renewal = _years_after(granted, 5), None
        accreditations.append(
            {
                "id": position + 1,
                "center_id": row["id"],
                **scope,
                "granted_on": granted,
                "valid_until": until,
                "renewal_submitted_on": renewal,
                "certificate_number": f"{scope['body']}-{granted.year}-{position + 1:04d}",
            }
        )
    return profiles, accreditations


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def generate(path: Path, total: int, count: int) -> dict[str, Any]:
    """The world (pickled beside the dataset) and the surgeries with their facts, in chunks as
    ``registry_indicators.chunks`` reads them."""
    from caseway.registry import synthetic
    from caseway.registry.models import Surgery, SurgeryFacts
    from caseway.registry.services import derive_facts

    today = today_here()
    years = ten_years(today)
    rng = random.Random(f"{SEED}:sizes")
    centers, sizes = skewed_centers(count, rng)
    world = build_world(centers, sizes, today)
    plan = synthetic.national_plan(centers, years, planned_total(total, today))
    pools = world["pools"]
    surgery_fields = [f.attname for f in Surgery._meta.concrete_fields]
    fact_fields = [f.attname for f in SurgeryFacts._meta.concrete_fields]
    now = ri.started_at()
    started = time.perf_counter()
    pk = 0
    surgeries: list[dict[str, Any]] = []
    facts: list[dict[str, Any]] = []
    per_center: Counter[int] = Counter()
    last_12m: Counter[int] = Counter()
    by_code: Counter[str] = Counter()
    by_approach: Counter[str] = Counter()
    since = today - dt.timedelta(days=365)
    with path.open("wb") as out:
        for number, center in enumerate(centers, start=1):
            for year in years:
                counts = plan.get((center.code, year), {})
                for surgery in synthetic.generate_center_year(center, year, SEED, today, counts):
                    pk += 1
                    icd10 = CONDITIONS[surgery.case_type][0]
                    pool = pools[(number, icd10)]
                    patient = pool[pk % len(pool)]
                    model, procedures, team, complications = synthetic.build_models(
                        surgery, number, patient, pk, {"created_at": now, "updated_at": now}
                    )
                    model.condition_id = patient  # each pool patient has one condition, same id
                    fact = derive_facts(model, procedures, team, complications, today)
                    surgeries.append({name: getattr(model, name) for name in surgery_fields})
                    row = {name: getattr(fact, name) for name in fact_fields}
                    row["id"] = pk  # insert_rows then includes the primary key (surgery_id)
                    facts.append(row)
                    per_center[number] += 1
                    by_code[icd10[:3]] += 1
                    if surgery.date > since:
                        last_12m[number] += 1
                        by_approach[surgery.approach] += 1
                    if len(surgeries) >= CHUNK:
                        pickle.dump((surgeries, facts), out, protocol=pickle.HIGHEST_PROTOCOL)
                        surgeries, facts = [], []
                        if pk % (CHUNK * 10) < CHUNK:
                            print(f"  generated {pk:,} surgeries", flush=True)
        if surgeries:
            pickle.dump((surgeries, facts), out, protocol=pickle.HIGHEST_PROTOCOL)
    del world["pools"]
    world_path(path).write_bytes(pickle.dumps(world, protocol=pickle.HIGHEST_PROTOCOL))
    seconds = time.perf_counter() - started
    volumes = sorted(last_12m.values(), reverse=True)
    meta = {
        "today": today.isoformat(),
        "years": [years[0], years[-1]],
        "surgeries": pk,
        "centers": count,
        "institutions": len(world["institutions"]),
        "cities": len({i["city_en"] for i in world["institutions"]}),
        "departments": len(world["departments"]),
        "clinicians": len(world["clinicians"]),
        "speaking": dict(
            Counter(code for c in world["clinicians"] for code in c["languages"]).most_common()
        ),
        "patients": len(world["patients"]),
        "profiles_published": sum(p["published"] for p in world["profiles"]),
        "profiles_unpublished": sum(not p["published"] for p in world["profiles"]),
        "accreditations": len(world["accreditations"]),
        "last_12m": sum(volumes),
        "last_12m_largest": volumes[:5],
        "last_12m_median": statistics.median(volumes + [0] * (count - len(volumes))),
        "last_12m_smallest": min(volumes + [0] * (count - len(volumes))),
        "by_icd10": dict(by_code.most_common()),
        "approaches_12m": dict(by_approach.most_common()),
        "generate_s": seconds,
    }
    print(f"generated {pk:,} surgeries in {seconds:.0f} s ({path.stat().st_size / 2**20:.0f} MiB)")
    return meta


def world_path(path: Path) -> Path:
    return path.with_name(path.name + ".world")


def meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


# --- loading (in a child process, on the benchmark's database) --------------------------------
def load(path: Path, today: dt.date) -> dict[str, Any]:
    """Migrate, load the world and the surgeries (COPY), VACUUM ANALYZE, check the synthetic
    profiles and accreditations against the models' own rules, then the nightly refresh."""
    from django.core.management import call_command
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from caseway.organizations.models import Center, Clinician, Department, Institution
    from caseway.portal import evidence
    from caseway.portal.models import Accreditation, CenterProfile, PublicEvidence, VolumeCell
    from caseway.records.fhir.importer import insert_rows
    from caseway.records.models import Condition, Patient
    from caseway.registry.models import Surgery, SurgeryFacts

    world = pickle.loads(world_path(path).read_bytes())  # noqa: S301 (our own file)
    started = time.perf_counter()
    call_command("setup", verbosity=0)
    migrated = time.perf_counter()
    now = ri.started_at()
    with transaction.atomic():
        for model, rows in (
            (Institution, world["institutions"]),
            (Center, world["centers"]),
            (Department, world["departments"]),
            (Clinician, world["clinicians"]),
            (CenterProfile, world["profiles"]),
            (Accreditation, world["accreditations"]),
        ):
            model.objects.bulk_create((model(**row) for row in rows), batch_size=2000)
        for model, rows, extra in (
            (
                Patient,
                world["patients"],
                lambda r: {"mrn": f"P-{r['id']:07d}", "name_original": f"Patient {r['id']}"},
            ),
            (Condition, world["conditions"], lambda r: {}),
        ):
            defaults = {f.attname: f.get_default() for f in model._meta.concrete_fields}
            defaults.update(created_at=now, updated_at=now)
            insert_rows(model, [{**defaults, **row, **extra(row)} for row in rows])
        for surgeries, facts in ri.chunks(path):
            insert_rows(Surgery, surgeries)
            insert_rows(SurgeryFacts, facts)
        with connection.cursor() as cursor:
            models = [Institution, Center, Department, Clinician, CenterProfile, Accreditation,
                      Patient, Condition, Surgery]  # fmt: skip
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
    loaded = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    analyzed = time.perf_counter()
    for row in [*CenterProfile.objects.all(), *Accreditation.objects.all()]:
        row.full_clean(validate_unique=False, validate_constraints=False)
    refresh_started = time.perf_counter()
    refreshed = evidence.refresh(today=today)
    refresh_s = time.perf_counter() - refresh_started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE portal_volumecell")
        cursor.execute("ANALYZE portal_publicevidence")
    sizes = {}
    with connection.cursor() as cursor:
        for table in ("registry_surgery", "registry_surgeryfacts", "portal_publicevidence"):
            cursor.execute("SELECT pg_total_relation_size(%s)", [table])
            sizes[table] = cursor.fetchone()[0]
        cursor.execute("SELECT avg(pg_column_size(document)) FROM portal_publicevidence")
        document_bytes = float(cursor.fetchone()[0] or 0)
    return {
        "migrate_s": migrated - started,
        "load_s": loaded - migrated,
        "analyze_s": analyzed - loaded,
        "refresh_s": refresh_s,
        "refreshed_centers": refreshed,
        "volume_cells": VolumeCell.objects.count(),
        "evidence_documents": PublicEvidence.objects.count(),
        "document_bytes": document_bytes,
        "table_bytes": sizes,
        "surgeries_loaded": Surgery.objects.count(),
        "server": ri._server_version(),
    }


def targets() -> dict[str, Any]:
    """What the clients ask for: every center (shuffled, seeded), which have a published
    profile, and an accreditation status or two for the report."""
    from caseway.organizations.models import Center
    from caseway.portal.models import Accreditation, CenterProfile

    codes = list(Center.objects.order_by("pk").values_list("code", flat=True))
    random.Random(SEED).shuffle(codes)
    published = set(
        CenterProfile.objects.filter(published=True).values_list("center__code", flat=True)
    )
    statuses = Counter(str(a.status()) for a in Accreditation.objects.all())
    return {"codes": codes, "published": sorted(published), "statuses": dict(statuses)}


def search_path(lang: str, text: str, spoken: str, city: str) -> str:
    query = {"q": text}
    if spoken:
        query["language"] = spoken
    if city:
        query["city"] = city
    return f"/portal/{lang}/search/?{urllib.parse.urlencode(query)}"


def request_sets(codes: list[str]) -> dict[str, list[str]]:
    return {
        "baseline": ["/api/health"],
        "search": [search_path(*entry) for entry in SEARCHES],
        "center page": [
            f"/portal/{('en', 'ko')[n % 2]}/centers/{code}/" for n, code in enumerate(codes)
        ],
        "center JSON": [f"/portal/centers/{code}.json" for code in codes],
    }


def in_process(paths: dict[str, list[str]], samples: int) -> dict[str, Any]:
    """Each kind of request one at a time through Django in process (test client, warm):
    wall time, SQL queries and their time, the slowest statements; so a miss can be explained."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    report: dict[str, Any] = {}
    for kind, chosen in paths.items():
        if kind == "baseline":
            continue
        chosen = chosen[:samples] if kind != "search" else chosen
        for path in chosen[:3]:
            client.get(path)  # warm: per-process caches, connection
        rows = []
        for path in chosen:
            started, cpu = time.perf_counter(), time.process_time()
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
            cpu_ms = (time.process_time() - cpu) * 1000
            statements = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
            rows.append(
                {
                    "path": path,
                    "status": response.status_code,
                    "ms": elapsed,
                    "cpu_ms": cpu_ms,
                    "queries": len(statements),
                    "sql_ms": sum(ms for ms, _sql in statements),
                    "slowest": sorted(statements, reverse=True)[:3],
                }
            )
        report[kind] = rows
    # Search's per-process index (names, languages, accreditations, indicators of every
    # center), rebuilt every five minutes and after every change by every worker: its cost.
    from django.core.cache import caches

    from caseway.core.cache import forget_objects

    caches["local"].clear()
    forget_objects()
    path = paths["search"][0]
    started, cpu = time.perf_counter(), time.process_time()
    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    report["search, index cold"] = [
        {
            "path": path,
            "ms": (time.perf_counter() - started) * 1000,
            "cpu_ms": (time.process_time() - cpu) * 1000,
            "queries": len(captured.captured_queries),
            "sql_ms": sum(float(q["time"]) * 1000 for q in captured.captured_queries),
            "slowest": sorted(
                ((float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries),
                reverse=True,
            )[:3],
        }
    ]
    return report


#: Where a function's own time is counted (first match of its file or name), for the report.
CATEGORIES = (
    ("_pickle.loads", "unpickling (locmem cache)"),
    ("psycopg/", "psycopg (sending, waiting for PostgreSQL)"),
    ("django/db/", "Django ORM"),
    ("django/template/", "templates"),
    ("django/utils/html", "templates"),
    ("django/utils/safestring", "templates"),
    ("caseway/portal/ranking", "ranking"),
    ("caseway/portal/vocabulary", "query parsing"),
    ("caseway/", "Caseway views and models"),
    ("django/", "Django, other"),
)


def category(name: str) -> str:
    return next((label for key, label in CATEGORIES if key in name), "other")


def hotspots(paths: dict[str, list[str]], samples: int) -> dict[str, Any]:
    """Where the Python time of each kind of request goes (cProfile over the same requests,
    warm): the functions with the most time of their own and the cumulative time of the
    portal's, ms per request, and own time summed by category."""
    import cProfile
    import pstats

    from django.test import Client

    client = Client()
    found = {}
    for kind in ("search", "center page", "center JSON"):
        chosen = paths[kind] if kind == "search" else paths[kind][:samples]
        for path in chosen[:3]:
            client.get(path)
        profiler = cProfile.Profile()
        profiler.enable()
        for path in chosen:
            client.get(path)
        profiler.disable()
        stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
        rows = []
        for (filename, line, function), (_cc, _nc, own, cumulative, _callers) in stats.items():
            where = filename.split("site-packages/")[-1].split("/src/")[-1]
            rows.append([f"{where}:{line} {function}", own * 1000 / len(chosen),
                         cumulative * 1000 / len(chosen)])  # fmt: skip
        by_own = sorted(rows, key=lambda r: r[1], reverse=True)[:15]
        portal = sorted(
            (r for r in rows if "caseway/portal" in r[0] or "caseway/templates" in r[0]),
            key=lambda r: r[2],
            reverse=True,
        )[:15]
        found[kind] = by_own
        found[f"{kind} (caseway.portal, cumulative)"] = portal
        totals: Counter[str] = Counter()
        for name, own, _cumulative in rows:
            totals[category(name)] += own
        found.setdefault("categories", {})[kind] = dict(totals.most_common())
    return found


def child(mode: str, path: Path, output: Path, samples: int) -> None:
    import django

    django.setup()
    meta = json.loads(meta_path(path).read_text()) if path.name else {}
    result: dict[str, Any] = {}
    if mode == "load":
        result.update(load(path, dt.date.fromisoformat(meta["today"])))
    if mode in ("load", "targets"):
        result.update(targets())
    if mode == "profile":
        codes = json.loads(output.read_text())["codes"]
        result["in_process"] = in_process(request_sets(codes), samples)
        result["hotspots"] = hotspots(request_sets(codes), samples)
    output.write_text(json.dumps(result, indent=1, default=str))


def run_child(mode: str, path: Path | None, work: Path, samples: int = 0) -> dict[str, Any]:
    """This script again, in development settings (DEBUG off) on the benchmark's database."""
    data_dir = work / "child"
    (data_dir / "static").mkdir(parents=True, exist_ok=True)  # whitenoise looks for it
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWAY_")}
    env.update(
        CASEWAY_ENV="development",
        CASEWAY_DEBUG="0",
        CASEWAY_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="caseway.settings",
        DATABASE_URL=DATABASE_URL,
        CASEWAY_ALLOWED_HOSTS="testserver,localhost",
        CASEWAY_PORTAL_CACHE="false",  # what rendering a page costs
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    )
    output = work / f"{mode}.json"
    command = [sys.executable, __file__, "--child", mode, "--dataset", str(path or "")]
    command += ["--output", str(output), "--samples", str(samples)]
    subprocess.run(command, env=env, check=True)
    return dict(json.loads(output.read_text()))


def recreate_database() -> None:
    import psycopg

    base, name = DATABASE_URL.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")


# --- the clients -------------------------------------------------------------------------------
def server_cpu(master: int) -> dict[int, float]:
    """CPU seconds used so far by the gunicorn workers (children of ``master``) and by the
    PostgreSQL backends of the benchmark's database, by process."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        parent, user, system = int(fields[1]), int(fields[11]), int(fields[12])
        if parent == master or (command.startswith("postgres:") and f" {DATABASE} " in command):
            found[int(entry.name)] = (user + system) / tick
    return found


def load_test(base: str, paths: list[str], total: int, clients: int) -> dict[str, Any]:
    """``clients`` browser-like clients, each on a kept-alive connection, one request after
    another; together they cycle through ``paths`` (client i asks for paths i, i + clients,
    ...), so consecutive requests differ."""
    parsed = urllib.parse.urlsplit(base)
    per_client = max(1, total // clients)
    samples: list[tuple[int, float, int]] = []
    lock = threading.Lock()

    def connect() -> http.client.HTTPConnection:
        return http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)

    def client(number: int) -> None:
        connection = connect()
        mine = []
        for k in range(per_client):
            index = (number + k * clients) % len(paths)
            started = time.perf_counter()
            try:
                connection.request("GET", paths[index], headers={"Accept-Language": "en"})
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = connect()
                status = 0
            mine.append((index, (time.perf_counter() - started) * 1000, status))
        connection.close()
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies = [ms for _i, ms, _s in samples]
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    by_path: dict[int, list[float]] = {}
    for index, ms, _status in samples:
        by_path.setdefault(index, []).append(ms)
    errors = Counter(status for _i, _ms, status in samples if status != 200)
    return {
        "requests": len(samples),
        "distinct": len(by_path),
        "errors": sum(errors.values()),
        "error_statuses": {str(k): v for k, v in errors.items()},
        "error_paths": sorted({paths[i] for i, _ms, s in samples if s != 200})[:5],
        "p50": cuts[49],
        "p95": cuts[94],
        "p99": cuts[98],
        "max": max(latencies),
        "throughput": len(samples) / wall,
        "by_path": {
            paths[i]: {"n": len(v), "median": statistics.median(v), "max": max(v)}
            for i, v in by_path.items()
        }
        if len(by_path) <= 50
        else {},
    }


def measure_http(
    codes: list[str],
    total: int,
    clients: int,
    workers: int,
    kinds: tuple[str, ...] = (),
    extra_env: dict[str, str] | None = None,
    warm: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Serve the benchmark's database with gunicorn and measure each kind of request. With
    ``warm`` (a dict to fill), first the nightly jobs as production runs them: the evidence
    refresh (a new generation of pages) and the rendering of every public page in English and
    Korean into the shared cache, both timed, under the public address the server then has."""
    static_root = ROOT / "var" / "portal-bench-static"
    env = hl.production_env(static_root)
    env["DATABASE_URL"] = DATABASE_URL
    env.update(extra_env or {})
    hl.caseway(env, "collectstatic", "--noinput", "--verbosity", "0")
    port = hl.free_port()
    if warm is not None:
        env["CASEWAY_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
        for job in ("refresh", "warm"):
            started = time.perf_counter()
            output = hl.caseway(env, "portal", job).strip()
            warm[f"{job}_s"] = time.perf_counter() - started
            warm[f"{job}_output"] = output
            print(f"caseway portal {job}: {output} ({warm[f'{job}_s']:.1f} s)", flush=True)
    server = hl.start_server(env, port, workers)
    base = f"http://127.0.0.1:{port}"
    sets = {k: v for k, v in request_sets(codes).items() if not kinds or k in kinds}
    rows: dict[str, Any] = {}
    try:
        for kind, paths in sets.items():
            # Warm-up: each worker's connection and per-process caches, a few pages.
            load_test(base, paths[: clients * 2], clients * 3, clients)
            print(f"measuring {kind}: {total} requests over {len(paths)} paths", flush=True)
            before, cpu, mine = os.getloadavg()[0], server_cpu(server.pid), time.process_time()
            rows[kind] = load_test(base, paths, total, clients)
            row = rows[kind]
            after = server_cpu(server.pid)
            used = sum(seconds - cpu.get(pid, 0.0) for pid, seconds in after.items())
            row["load_average"] = [before, os.getloadavg()[0]]
            row["server_cpu_ms"] = used * 1000 / row["requests"]
            row["client_cpu_ms"] = (time.process_time() - mine) * 1000 / row["requests"]
            print(
                f"  p50 {row['p50']:.1f} ms, p95 {row['p95']:.1f} ms, p99 {row['p99']:.1f} ms, "
                f"{row['throughput']:.0f} req/s, errors {row['errors']} {row['error_statuses']}; "
                f"CPU per request: server {row['server_cpu_ms']:.1f} ms, clients "
                f"{row['client_cpu_ms']:.1f} ms",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait()
    return rows


# --- the report ----------------------------------------------------------------------------------
def _n(value: float) -> str:
    return f"{value:,.0f}"


def write_results(saved: dict[str, Any]) -> str:
    dataset, loaded, http = saved["dataset"], saved["load"], saved["http"]
    profile = saved.get("in_process", {})
    years = dataset["years"]
    speaking = dataset["speaking"]
    others = ", ".join(
        f"{code} {speaking.get(code, 0)}" for code in ("en", "zh", "ja", "ru", "mn", "vi", "ar")
    )
    load_min = loaded["load_s"] / 60
    filtered = sum(1 for _lang, _q, spoken, city in SEARCHES if spoken or city)
    during = [x for row in http.values() for x in row.get("load_average", [])]
    shared = (
        f"load average {min(during):.1f} to {max(during):.1f} during the measurement"
        if during
        else f"load average {saved['load_average']:.1f} at the start"
    )
    lines = [
        SECTION,
        "",
        f"Run {saved['when']} UTC on {machine()}; {shared}: the two cores are shared with "
        "other jobs, and the clients, gunicorn and PostgreSQL all run on them, so the figures "
        "are pessimistic.",
        "",
        f"Dataset: {_n(dataset['surgeries'])} synthetic surgeries from {years[0]} to "
        f"{dataset['today']} across {_n(dataset['centers'])} centers of "
        f"{dataset['institutions']} institutions in {dataset['cities']} Korean cities "
        "(`caseway.registry.synthetic` national centers and case mixes, open, laparoscopic, "
        "robotic multi-port and single-port; sizes skewed: in the last 12 months "
        f"{_n(dataset['last_12m'])} operations, the largest center "
        f"{_n(dataset['last_12m_largest'][0])}, the median "
        f"{_n(dataset['last_12m_median'])}, the smallest {_n(dataset['last_12m_smallest'])}). "
        "Every surgery names its patient's condition, coded in ICD-10 ("
        + ", ".join(f"{code} {count:,}" for code, count in list(dataset["by_icd10"].items())[:10])
        + f" ...). {_n(dataset['clinicians'])} clinicians in {_n(dataset['departments'])} "
        f"departments, all speaking Korean and some other languages ({others}); "
        f"{dataset['profiles_published']} centers publish a profile with indicators "
        f"({dataset['profiles_unpublished']} more keep theirs unpublished), "
        f"{dataset['accreditations']} hold an accreditation ("
        + ", ".join(
            f"{saved['statuses'][status]} {label}"
            for status, label in (
                ("valid", "valid"),
                ("renewal_due", "valid with renewal due"),
                ("renewal_pending", "expired in October 2026 with its renewal pending"),
                ("expired", "expired"),
            )
            if saved["statuses"].get(status)
        )
        + ").",
        "",
        "Load into a fresh "
        + loaded["server"]
        + (f" database (finished {loaded['when']} UTC)" if "when" in loaded else " database")
        + " (`caseway setup`, then COPY through "
        f"the importer's `insert_rows`): {load_min:.1f} min, `VACUUM ANALYZE` "
        f"{loaded['analyze_s']:.0f} s. `caseway.portal.evidence.refresh()` for every center "
        f"(the nightly job: {_n(loaded['volume_cells'])} volume cells, "
        f"{_n(loaded['evidence_documents'])} evidence documents of "
        f"{loaded['document_bytes'] / 1024:.1f} KiB on average): "
        f"**{loaded['refresh_s']:.0f} s**.",
        "",
        f"gunicorn: {saved['workers']} sync workers, production settings "
        f"(`benchmarks/http_latency.py`'s environment); {saved['clients']} concurrent "
        "keep-alive clients on the same machine, after a short warm-up. Search cycles through "
        f"{len(SEARCHES)} queries (English and Korean words, ICD-10 codes, procedures and "
        f"approaches, {filtered} of them with a language-spoken or city filter: "
        '"ovarian cancer", '
        '"난소암", "C56", "robotic prostatectomy", "로봇 전립선절제술", '
        '"single-port surgery", "lung cancer" spoken Russian, "thyroid" in Busan ...); '
        "center pages and JSON cycle through every center (pages alternately in English and "
        "Korean). Script: `benchmarks/portal_latency.py`. Goal: search p95 under 100 ms, center "
        "page p95 under 150 ms.",
        "",
        "| endpoint | requests | distinct | errors | p50 ms | p95 ms | p99 ms | req/s | "
        "server CPU ms per request |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    labels = {
        "baseline": "baseline: GET /api/health",
        "search": "GET /portal/{en,ko}/search/?q=… (kept pages: each query asked before)",
        "center page": "GET /portal/{en,ko}/centers/<code>/ (kept pages, rendered by `warm`)",
        "center JSON": "GET /portal/centers/<code>.json (kept)",
        "search, every page rendered": "GET /portal/{en,ko}/search/?q=… (no cache: computed)",
        "center page, every page rendered": "GET /portal/{en,ko}/centers/<code>/ (no cache)",
    }
    for kind, row in http.items():
        lines.append(
            f"| {labels[kind]} | {row['requests']:,} | {row['distinct']:,} | {row['errors']} | "
            f"{row['p50']:.1f} | {row['p95']:.1f} | {row['p99']:.1f} | "
            f"{row['throughput']:.0f} | {row.get('server_cpu_ms', float('nan')):.1f} |"
        )
    verdicts = []
    for kind, goal in GOALS.items():
        p95 = http[kind]["p95"]
        met = p95 < goal and http[kind]["errors"] == 0
        verdicts.append(f"{kind} p95 < {goal:.0f} ms: {'met' if met else 'not met'} ({p95:.0f} ms)")
    lines += ["", "Goal: " + "; ".join(verdicts) + "."]
    cold = [
        f"{kind} p95 {row['p95']:.0f} ms, {row['throughput']:.0f} req/s "
        f"({'within' if row['p95'] < GOALS[kind] else 'over'} the goal)"
        for kind in GOALS
        if (row := http.get(f"{kind}, every page rendered"))
    ]
    if cold:
        lines.append(
            "Goals are judged as production runs: public pages kept in the shared cache "
            "(`caseway.portal.pagecache`, one PostgreSQL query per page sent) and rendered "
            "after each change, center pages ahead of visitors by the nightly "
            "`caseway portal warm`, a search the first time it is asked (here in the "
            "warm-up). With the cache switched off, every page rendered for every request: "
            + "; ".join(cold)
            + "."
        )
    nightly = saved.get("nightly") or {}
    if nightly:
        lines.append(
            f"Nightly jobs before the measurement: `caseway portal refresh` "
            f"{nightly['refresh_s']:.0f} s; `caseway portal warm` {nightly['warm_s']:.0f} s "
            f"({nightly['warm_output'].rstrip('.')})."
        )
    clients, cores = saved["clients"], os.cpu_count() or 1
    needed = {kind: clients * 1000 / goal * 1.2 for kind, goal in GOALS.items()}
    budget = {kind: cores * 1000 / rate for kind, rate in needed.items()}
    lines += [
        "",
        "Server CPU per request: CPU time of the gunicorn workers and of the benchmark "
        "database's PostgreSQL backends over the measurement, divided by the requests (a little "
        "low: backends that closed during it, at `CONN_MAX_AGE`, are not counted). With "
        f"{clients} clients that never pause, mean latency is {clients} / throughput (Little's "
        "law), so the goals are throughput goals: p95 under 100 ms for search needs about "
        f"{needed['search']:.0f} req/s, under 150 ms for a center page about "
        f"{needed['center page']:.0f} req/s (p95 taken as 20% above the mean), that is at "
        f"most {budget['search']:.0f} and {budget['center page']:.0f} ms of CPU per request "
        f"on {cores} cores for gunicorn, PostgreSQL and the clients together.",
    ]
    if all("server_cpu_ms" in http[kind] for kind in GOALS):
        bounds = []
        for kind in GOALS:
            cpu = http[kind]["server_cpu_ms"] + http[kind].get("client_cpu_ms", 0.0)
            ceiling = cores * 1000 / cpu
            bounds.append(
                f"{kind} {cpu:.0f} ms of CPU per request (server and clients), at most "
                f"{ceiling:.0f} req/s alone on the {cores} cores, so a mean latency of at least "
                f"{clients * 1000 / ceiling:.0f} ms"
            )
        lines[-1] += " Measured: " + "; ".join(bounds) + "."
    lines[-1] += (
        " Pages are also sent with `Cache-Control: public, max-age=300`; no proxy or browser "
        "cache is in front here, so every request reaches gunicorn."
    )
    if profile:
        lines += [
            "",
            "The same requests one at a time in process, every page rendered (Django test "
            "client on the same database, cache off, warm connection; medians over the "
            "requests, the mean CPU in brackets; what rendering costs the server, without "
            "HTTP or concurrency):",
            "",
            "| request | measured | SQL queries | SQL ms | Python CPU ms (mean) | total ms |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for kind, rows in profile.items():
            lines.append(
                f"| {kind} | {len(rows)} | "
                f"{statistics.median(r['queries'] for r in rows):.0f} | "
                f"{statistics.median(r['sql_ms'] for r in rows):.1f} | "
                f"{statistics.median(r['cpu_ms'] for r in rows):.1f} "
                f"({statistics.mean(r['cpu_ms'] for r in rows):.1f}) | "
                f"{statistics.median(r['ms'] for r in rows):.1f} |"
            )
    categories = saved.get("hotspots", {}).get("categories", {})
    if categories:
        kinds = list(categories)
        labels_seen = sorted(
            {label for totals in categories.values() for label in totals},
            key=lambda label: -sum(totals.get(label, 0) for totals in categories.values()),
        )
        lines += [
            "",
            "Where the Python time goes (cProfile over the same requests, each function's own "
            "time summed, ms per request; the profiler inflates it):",
            "",
            "| | " + " | ".join(kinds) + " |",
            "|---|" + "---:|" * len(kinds),
        ]
        for label in labels_seen:
            cells = " | ".join(f"{categories[k].get(label, 0):.1f}" for k in kinds)
            lines.append(f"| {label} | {cells} |")
        totals_row = " | ".join(f"{sum(categories[k].values()):.1f}" for k in kinds)
        lines.append(f"| all | {totals_row} |")
    if saved.get("notes"):
        lines += ["", saved["notes"]]
    block = "\n".join(lines) + "\n"
    return write_section(SECTION, block)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--surgeries", type=int, default=2_000_000)
    parser.add_argument("--centers", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=2000, help="Per kind of request.")
    parser.add_argument("--quick", action="store_true", help="300 requests per kind.")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--keep", help="Keep the generated dataset at this path.")
    parser.add_argument("--reuse", help="Load the dataset kept at this path.")
    parser.add_argument(
        "--reuse-database",
        action="store_true",
        help="Measure the database a previous run loaded (load figures from that run).",
    )
    parser.add_argument("--no-results", action="store_true", help="Do not update the docs.")
    parser.add_argument(
        "--rewrite-docs", action="store_true", help="Write the docs from the last saved result."
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--dataset", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    parser.add_argument("--samples", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, Path(args.dataset), Path(args.output), args.samples)
        return
    if args.rewrite_docs:
        print(write_results(json.loads(SAVED.read_text())))
        return
    total = 300 if args.quick else args.requests
    load_average = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        if args.reuse_database:
            previous = json.loads(LOADED.read_text())
            dataset, loaded = previous["dataset"], previous["load"]
            loaded = {**loaded, "when": previous["when"]}
            found = run_child("targets", None, work)
            print(f"measuring the database loaded {previous['when']} "
                  f"({dataset['surgeries']:,} surgeries)", flush=True)  # fmt: skip
        else:
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caseway.settings_test")
            os.environ["CASEWAY_DATA_DIR"] = str(work / "generator")
            import django

            django.setup()
            if args.reuse:
                path = Path(args.reuse)
                dataset = json.loads(meta_path(path).read_text())
                print(f"reusing {dataset['surgeries']:,} surgeries from {path}")
            else:
                path = Path(args.keep) if args.keep else work / "dataset.pickle"
                path.parent.mkdir(parents=True, exist_ok=True)
                dataset = generate(path, args.surgeries, args.centers)
                meta_path(path).write_text(json.dumps(dataset, indent=1))
            print(f"loading into {DATABASE_URL.rsplit('/', 1)[1]}", flush=True)
            recreate_database()
            found = run_child("load", path, work)
            loaded = {k: v for k, v in found.items() if k not in ("codes", "published")}
            print(json.dumps(loaded, indent=1), flush=True)
            LOADED.parent.mkdir(exist_ok=True)
            when = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}"
            LOADED.write_text(json.dumps({"when": when, "dataset": dataset, "load": loaded}))
        nightly: dict[str, Any] = {}
        http = measure_http(found["codes"], total, args.clients, args.workers, warm=nightly)
        # Again with every page rendered (the page cache and the results kept a minute switched
        # off), so the cost of a page nobody asked for since the last change is on record too.
        cold = measure_http(
            found["codes"],
            total,
            args.clients,
            args.workers,
            kinds=("search", "center page"),
            extra_env={"CASEWAY_PORTAL_CACHE": "false"},
        )
        for kind in ("search", "center page"):
            http[f"{kind}, every page rendered"] = cold[kind]
        (work / "profile.json").write_text(json.dumps({"codes": found["codes"]}))
        print("in process, one request at a time", flush=True)
        profiled = run_child("profile", None, work, samples=40)
    saved = {
        "when": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}",
        "load_average": load_average,
        "dataset": dataset,
        "load": loaded,
        "statuses": found["statuses"],
        "published": len(found["published"]),
        "http": http,
        "in_process": profiled["in_process"],
        "hotspots": profiled["hotspots"],
        "nightly": nightly,
        "workers": args.workers,
        "clients": args.clients,
        "requests": total,
    }
    SAVED.parent.mkdir(exist_ok=True)
    SAVED.write_text(json.dumps(saved, indent=1, default=str))
    for kind, rows in saved["in_process"].items():
        print(kind)
        for row in rows[:40]:
            print(f"  {row['ms']:7.1f} ms ({row['cpu_ms']:6.1f} CPU) {row['queries']:3d} queries "
                  f"{row['sql_ms']:6.1f} ms SQL {row.get('status', '')} {row['path']}")  # fmt: skip
    for kind, rows in saved["hotspots"].items():
        if kind == "categories":
            print(json.dumps(rows, indent=1))
            continue
        print(f"{kind}: ms per request, own and cumulative")
        for name, own, cumulative in rows:
            print(f"  {own:7.2f} {cumulative:7.2f}  {name}")
    if not args.no_results:
        print(write_results(saved))


if __name__ == "__main__":
    main()
