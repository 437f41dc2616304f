"""The deterministic demo association.

Built from the public facts in the two seed pages (the Samsung Medical Center Gynecologic Cancer
Center, ESGO-accredited in October 2021; the Severance Robot and MIS Center, da Vinci since 2005
and 20,000 robotic cases by June 2018) plus fictional members. A fixed seed gives the same rows
every time. Every write goes through the versioning service as the system actor, so the demo's
history is in the audit trail like anyone else's. Later capabilities add their own sections.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from allauth.mfa.totp.internal.auth import TOTP
from django.db import transaction

from caseway.accounts.actor import Actor
from caseway.accounts.models import Membership, User
from caseway.core import versioning
from caseway.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, totp_secret
from caseway.organizations.choices import CenterKind, DepartmentKind, RegistrationKind
from caseway.organizations.models import (
    Association,
    Center,
    Clinician,
    Department,
    Institution,
    InstitutionRegistration,
)

DEFAULT_SEED = 20261125
#: Synthetic cancer patients across the demo centers.
DEMO_PATIENTS = 3000

INSTITUTIONS: list[dict[str, Any]] = [
    dict(
        code="smc",
        name_en="Samsung Medical Center",
        name_ko="삼성서울병원",
        city_en="Seoul",
        city_ko="서울",
        founded_year=1994,
        website="https://www.samsunghospital.com",
        ipc_contact_name="International Health Services",
        ipc_phone="+82-2-3410-0200",
        ipc_email="ihs@demo-smc.invalid",
    ),
    dict(
        code="severance",
        name_en="Severance Hospital",
        name_ko="세브란스병원",
        city_en="Seoul",
        city_ko="서울",
        founded_year=1885,
        website="https://sev.severance.healthcare",
        ipc_contact_name="International Health Care Center",
        ipc_phone="+82-2-2228-5800",
        ipc_email="ihcc@demo-severance.invalid",
    ),
    dict(
        code="hanbit",
        name_en="Hanbit University Hospital",
        name_ko="한빛대학교병원",
        city_en="Busan",
        city_ko="부산",
        founded_year=1978,
        ipc_contact_name="Global Patient Office",
        ipc_phone="+82-51-555-0100",
        ipc_email="global@hanbit.invalid",
    ),
    dict(
        code="saerom",
        name_en="Saerom Medical Center",
        name_ko="새롬의료원",
        city_en="Daegu",
        city_ko="대구",
        founded_year=1991,
        ipc_contact_name="International Clinic",
        ipc_phone="+82-53-555-0200",
        ipc_email="intl@saerom.invalid",
    ),
    dict(
        code="dasol",
        name_en="Dasol Cancer Hospital",
        name_ko="다솔암병원",
        city_en="Incheon",
        city_ko="인천",
        founded_year=2004,
        ipc_contact_name="International Patient Center",
        ipc_phone="+82-32-555-0300",
        ipc_email="ipc@dasol.invalid",
    ),
]

CENTERS: list[dict[str, Any]] = [
    dict(
        institution="smc",
        code="smc-gcc",
        kind=CenterKind.CANCER,
        name_en="Gynecologic Cancer Center",
        name_ko="부인암센터",
        established_year=2008,
        description_en=(
            "Certified by the European Society of Gynaecological Oncology (ESGO) for advanced "
            "ovarian cancer surgery in October 2021, the first in Asia. A multidisciplinary team "
            "decides each patient's treatment; about 350 ovarian cancer operations a year."
        ),
        description_ko=(
            "2021년 10월 아시아 최초로 유럽부인종양학회(ESGO) 진행성 난소암 수술 인증을 "
            "받았습니다. "
            "다학제 진료팀이 환자별 치료를 결정하며 연간 약 350건의 난소암 수술을 시행합니다."
        ),
    ),
    dict(
        institution="severance",
        code="sev-rmis",
        kind=CenterKind.SURGICAL,
        name_en="Robot and MIS Center",
        name_ko="로봇내시경수술센터",
        established_year=2005,
        description_en=(
            "First in Korea to introduce the da Vinci system (2005); 20,000 robotic operations "
            "by June 2018. Trains surgeons, operating-room nurses and staff from many countries "
            "since 2008, with live case observation and an annual live symposium."
        ),
        description_ko=(
            "2005년 국내 최초로 다빈치 로봇수술 시스템을 도입했고 2018년 6월 로봇수술 2만 례를 "
            "달성했습니다. 2008년부터 여러 나라의 외과의, 수술실 간호사와 직원을 교육합니다."
        ),
    ),
    dict(
        institution="hanbit",
        code="hanbit-cancer",
        kind=CenterKind.CANCER,
        name_en="Women's Cancer Center",
        name_ko="여성암센터",
        established_year=2012,
    ),
    dict(
        institution="saerom",
        code="saerom-robot",
        kind=CenterKind.SURGICAL,
        name_en="Robotic Surgery Center",
        name_ko="로봇수술센터",
        established_year=2014,
    ),
    dict(
        institution="dasol",
        code="dasol-gyn",
        kind=CenterKind.CANCER,
        name_en="Gynecologic Oncology Center",
        name_ko="부인종양센터",
        established_year=2016,
    ),
]

DEPARTMENT_NAMES_KO = {
    DepartmentKind.OBSTETRICS_GYNECOLOGY: "산부인과",
    DepartmentKind.RADIATION_ONCOLOGY: "방사선종양학과",
    DepartmentKind.PATHOLOGY: "병리과",
    DepartmentKind.RADIOLOGY: "영상의학과",
    DepartmentKind.HEMATOLOGY_ONCOLOGY: "혈액종양내과",
    DepartmentKind.NUCLEAR_MEDICINE: "핵의학과",
    DepartmentKind.HEPATOBILIARY_SURGERY: "간담도췌외과",
    DepartmentKind.VASCULAR_SURGERY: "혈관외과",
    DepartmentKind.UROLOGY: "비뇨의학과",
    DepartmentKind.THORACIC_SURGERY: "흉부외과",
    DepartmentKind.GENERAL_SURGERY: "외과",
    DepartmentKind.OTOLARYNGOLOGY: "이비인후과",
    DepartmentKind.NEUROSURGERY: "신경외과",
    DepartmentKind.CARDIOTHORACIC_SURGERY: "심장혈관흉부외과",
}

SPECIALTIES = {
    DepartmentKind.OBSTETRICS_GYNECOLOGY: "Gynecologic oncology",
    DepartmentKind.RADIATION_ONCOLOGY: "Radiation oncology",
    DepartmentKind.PATHOLOGY: "Gynecologic pathology",
    DepartmentKind.RADIOLOGY: "Abdominal imaging",
    DepartmentKind.HEMATOLOGY_ONCOLOGY: "Medical oncology",
    DepartmentKind.NUCLEAR_MEDICINE: "PET-CT",
    DepartmentKind.HEPATOBILIARY_SURGERY: "Hepatobiliary surgery",
    DepartmentKind.VASCULAR_SURGERY: "Vascular surgery",
    DepartmentKind.UROLOGY: "Robotic urology",
    DepartmentKind.THORACIC_SURGERY: "Thoracic surgery",
    DepartmentKind.GENERAL_SURGERY: "Minimally invasive surgery",
    DepartmentKind.OTOLARYNGOLOGY: "Transoral robotic surgery",
    DepartmentKind.NEUROSURGERY: "Skull base surgery",
    DepartmentKind.CARDIOTHORACIC_SURGERY: "Robotic cardiac surgery",
}

SURNAMES = [
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
    ("Shin", "신"),
    ("Song", "송"),
    ("Ahn", "안"),
    ("Hwang", "황"),
    ("Yoo", "유"),
]
GIVEN = [
    ("Ji-hoon", "지훈"),
    ("Seo-yeon", "서연"),
    ("Min-jun", "민준"),
    ("Ha-eun", "하은"),
    ("Do-yoon", "도윤"),
    ("Su-bin", "수빈"),
    ("Ye-jun", "예준"),
    ("Ji-woo", "지우"),
    ("Eun-ji", "은지"),
    ("Jae-hyun", "재현"),
    ("Na-rae", "나래"),
    ("Sung-min", "성민"),
    ("Hye-jin", "혜진"),
    ("Tae-yang", "태양"),
    ("Yu-na", "유나"),
    ("Joon-ho", "준호"),
]
EXTRA_LANGUAGES = ["ja", "zh", "ru", "mn", "vi", "ar", "fr", "de", "es"]
TITLES = ["Professor", "Associate Professor", "Assistant Professor", "Clinical Professor"]


@dataclass
class DemoReport:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, label: str, number: int = 1) -> None:
        self.counts[label] = self.counts.get(label, 0) + number


class DemoGenerator:
    def __init__(
        self, seed: int = DEFAULT_SEED, today: dt.date | None = None, patients: int = DEMO_PATIENTS
    ) -> None:
        self.patients = patients
        self.seed = seed
        self.random = random.Random(seed)
        self.today = today or dt.date.today()
        self.actor = Actor.system("demo")
        self.report = DemoReport()
        self.institutions: dict[str, Institution] = {}
        self.centers: dict[str, Center] = {}

    def create(self, obj: Any) -> Any:
        versioning.create(self.actor, obj)
        self.report.add(str(obj._meta.verbose_name_plural))
        return obj

    @transaction.atomic
    def run(self) -> DemoReport:
        if Association.objects.exists():
            raise RuntimeError(
                "This database already has an association; the demo loads only "
                "into an empty database."
            )
        self.association()
        self.organisations()
        self.clinicians()
        self.accounts()
        self.patient_records()
        self.registry()
        self.tumor_boards()
        self.portal()
        return self.report

    def association(self) -> None:
        association = Association(
            name_en="Korea International Medical Association",
            name_ko="한국국제의료협회",
            short_name="KIMA",
            phone="+82-43-713-8991",
            website="https://www.kima.or.kr",
        )
        association.synthetic_data = True
        self.create(association)

    def organisations(self) -> None:
        for number, data in enumerate(INSTITUTIONS):
            institution = self.create(
                Institution(member_since=dt.date(2010 + number, 3, 1), **data)
            )
            self.institutions[institution.code] = institution
            self.registration(institution, number)
            kinds = list(DEPARTMENT_NAMES_KO)
            if number >= 2:
                kinds = kinds[: 6 + number]
            for kind in kinds:
                self.create(
                    Department(
                        institution=institution,
                        kind=kind,
                        name_en=str(DepartmentKind(kind).label),
                        name_ko=DEPARTMENT_NAMES_KO[kind],
                    )
                )
        for data in CENTERS:
            data = dict(data)
            institution = self.institutions[data.pop("institution")]
            self.centers[data["code"]] = self.create(Center(institution=institution, **data))

    def registration(self, institution: Institution, number: int) -> None:
        """A foreign-patient attraction registration: valid, due for renewal, or expired."""
        expires = self.today + dt.timedelta(days=[900, 120, 700, -30, 1400][number])
        self.create(
            InstitutionRegistration(
                institution=institution,
                kind=RegistrationKind.FOREIGN_PATIENT_ATTRACTION,
                number=f"FPA-{2015 + number}-{self.random.randint(1000, 9999)}",
                issued_by="Ministry of Health and Welfare",
                issued_on=expires - dt.timedelta(days=3 * 365),
                expires_on=expires,
            )
        )

    def clinicians(self) -> None:
        center_by_institution = {c.institution_id: c for c in self.centers.values()}
        for department in Department.objects.select_related("institution").order_by("pk"):
            for _index in range(self.random.randint(2, 4)):
                surname, surname_ko = self.random.choice(SURNAMES)
                given, given_ko = self.random.choice(GIVEN)
                languages = [
                    "ko",
                    "en",
                    *self.random.sample(EXTRA_LANGUAGES, self.random.randint(0, 2)),
                ]
                center = center_by_institution.get(department.institution_id)
                self.create(
                    Clinician(
                        institution=department.institution,
                        department=department,
                        center=center if self.random.random() < 0.6 else None,
                        name_en=f"{given} {surname}",
                        name_ko=f"{surname_ko}{given_ko}",
                        title=self.random.choice(TITLES),
                        specialty=SPECIALTIES.get(
                            DepartmentKind(department.kind), department.name_en
                        ),
                        languages=languages,
                    )
                )

    def patient_records(self) -> None:
        """Synthetic cancer patients per center, imported through the FHIR importer."""
        from caseway.records.fhir.importer import Item, import_items
        from caseway.records.synthetic import GYNECOLOGIC, PROFILES, ROBOTIC, cohort

        shares = {
            "smc-gcc": (0.35, GYNECOLOGIC),
            "sev-rmis": (0.25, ROBOTIC),
            "hanbit-cancer": (0.15, GYNECOLOGIC),
            "dasol-gyn": (0.15, GYNECOLOGIC),
            "saerom-robot": (0.10, PROFILES),
        }
        for code, (share, profiles) in shares.items():
            count = max(1, round(self.patients * share))
            items = [
                Item(f"demo {code} {n}", f"resource {n}", resource)
                for n, resource in enumerate(cohort(self.seed, count, code, self.today, profiles))
            ]
            report = import_items(self.actor, self.centers[code], items)
            if not report.ok:
                raise RuntimeError(f"Demo patients for {code}: {report.issues[:3]}")
            self.report.add("synthetic patients", report.created["Patient"])

    def accounts(self) -> None:
        for account in DEMO_ACCOUNTS:
            user = User.objects.create_user(
                account.email,
                DEMO_PASSWORD,
                full_name=account.full_name,
                full_name_ko=account.full_name_ko,
                preferred_language=account.language,
            )
            User.objects.filter(pk=user.pk).update(is_demo=True)
            self.report.add("demo accounts")
            place: dict[str, Any] = {}
            if account.place in self.centers:
                place["center"] = self.centers[account.place]
            elif account.place in self.institutions:
                place["institution"] = self.institutions[account.place]
            self.create(Membership(user=user, role=account.role, **place))
            if account.is_staff:
                TOTP.activate(user, totp_secret(self.seed, account.email))

    def registry(self) -> None:
        """Ten calendar years of surgical registry data for every demo center (and the
        Severance robotic program from its first case in 2005, its 20,000th in June 2018),
        generated by ``caseway.registry.synthetic`` and written in bulk with derived facts.
        Volumes scale with the number of demo patients; the full demo has the seed facts'.

        The operations are given to the center's own demo patients, cyclically, matched by
        kind: an ovarian cytoreduction to a patient with ovarian cancer of that stage, a
        prostatectomy to one with prostate cancer (the surgery then names her or his
        diagnosis), other operations to a patient of the right sex. Registry-only patients
        would outnumber the demo's patients tenfold and have no diagnosis; the price is that
        a demo patient carries several synthetic operations. Records older than 30 days are
        stored signed, as a registry's history is: corrections are amendments.
        """
        from caseway.registry import synthetic

        years = synthetic.demo_years(self.today)
        sign_before = self.today - dt.timedelta(days=30)
        # A smaller demo (``--patients``, the test suite) gets a proportionally smaller registry.
        scale = min(1.0, self.patients / DEMO_PATIENTS)
        for code, profile in synthetic.demo_centers(scale).items():
            center = self.centers[code]
            surgeries = list(synthetic.generate([profile], years, self.seed, self.today))
            if not surgeries:  # a tiny demo can scale a small center's registry to nothing
                continue
            pools = self._registry_pools(center)
            first_operation: dict[str, Any] = {}
            for surgery in surgeries:
                first_operation.setdefault(surgery.patient.key, surgery)
            turn: dict[str, int] = {}
            patients: list[int] = []
            conditions: dict[str, int] = {}
            for person in synthetic.people(surgeries):
                case = synthetic.CASE_TYPES[first_operation[person.key].case_type]
                pool = pools.get(case.key) or pools.get(case.sex) or pools["any"]
                number = turn[pool[0]] = turn.get(pool[0], -1) + 1
                patient_id, condition_id = pool[1][number % len(pool[1])]
                patients.append(patient_id)
                if condition_id is not None:
                    conditions[person.key] = condition_id
            report = synthetic.write_surgeries(
                center,
                surgeries,
                patients,
                self.actor,
                today=self.today,
                sign_before=sign_before,
                conditions=conditions,
            )
            self.report.add("registry surgeries", report.surgeries)

    def tumor_boards(self) -> None:
        """Tumor boards for the demo cancer centers (the Samsung gynecologic cancer board
        with its six core departments, and boards at Hanbit and Dasol), a year of meetings
        with signed recommendations and their follow-up, and cases waiting for the next
        meetings; built by ``caseway.tumorboard.synthetic`` through the board's services after
        the registry, whose recent unsigned operations it marks as discussed. It scales with
        ``--patients`` like the registry, and the demo clinician account becomes a member of
        the Samsung board who signs its decisions."""
        from caseway.demo.accounts import DEMO_DOMAIN
        from caseway.tumorboard import synthetic

        counts = synthetic.build(
            self.actor,
            self.centers,
            seed=self.seed,
            today=self.today,
            scale=min(1.0, self.patients / DEMO_PATIENTS),
            clinician_user=User.objects.filter(email=f"clinician@{DEMO_DOMAIN}").first(),
        )
        for label, number in counts.as_report().items():
            self.report.add(label, number)

    def portal(self) -> None:
        """What the demo centers publish on the portal (profiles in several languages,
        published indicators), the ESGO accreditation granted in October 2021 (now past its
        five years, renewal submitted), the evidence snapshot from the registry, and news
        drafted from milestones and the accreditation; ``caseway.portal.synthetic``."""
        from caseway.portal import synthetic

        for label, number in synthetic.build(self.actor, self.centers, self.today).items():
            self.report.add(label, number)

    def _registry_pools(
        self, center: Center
    ) -> dict[str, tuple[str, list[tuple[int, int | None]]]]:
        """The center's demo patients who can carry each kind of operation: (pool name,
        [(patient, condition operated on)]) by case type, and by sex ("female", "male",
        "any") for operations no demo diagnosis matches."""
        from caseway.records.models import Condition, Patient, Staging

        sites = {
            "ovarian_aoc": "C56+",
            "ovarian_secondary": "C56+",
            "ovarian_early": "C56-",
            "endometrial": "C54",
            "cervical": "C53",
            "prostatectomy": "C61",
            "partial_nephrectomy": "C64",
            "nephrectomy": "C64",
            "colon": "C18",
            "rectal": "C18",
        }
        advanced = set(
            Staging.objects.filter(patient__center=center, stage__regex=r"^(III|IV)").values_list(
                "condition_id", flat=True
            )
        )
        by_site: dict[str, list[tuple[int, int | None]]] = {}
        primaries = Condition.objects.filter(
            patient__center=center, role="primary", voided=False
        ).order_by("patient_id", "pk")
        for patient_id, condition_id, icd10 in primaries.values_list("patient_id", "pk", "icd10"):
            site = icd10[:3]
            if site == "C56":
                site += "+" if condition_id in advanced else "-"
            by_site.setdefault(site, []).append((patient_id, condition_id))
        pools: dict[str, tuple[str, list[tuple[int, int | None]]]] = {
            kind: (site, by_site[site]) for kind, site in sites.items() if by_site.get(site)
        }
        everyone = list(
            Patient.objects.filter(center=center, voided=False)
            .order_by("pk")
            .values_list("pk", "sex")
        )
        for sex in ("female", "male"):
            chosen: list[tuple[int, int | None]] = [
                (pk, None) for pk, patient_sex in everyone if patient_sex == sex
            ]
            if chosen:
                pools[sex] = (sex, chosen)
        pools["any"] = ("any", [(pk, None) for pk, _sex in everyone])
        return pools
