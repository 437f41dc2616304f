"""CSV and XLSX import of surgeries: good files, every kind of bad input, re-import, access."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from caseway.accounts.actor import Actor
from caseway.accounts.roles import Role
from caseway.audit.models import AuditEvent
from caseway.core import access
from caseway.core.testing import SYSTEM, make, person
from caseway.records import models as records
from caseway.registry import services, tabular
from caseway.registry.models import Complication, Procedure, Surgery, SurgeryFacts, TeamMember
from caseway.registry.tabular import COLUMNS, RowError

ROOT = Path(__file__).resolve().parents[4]
SAMPLE = ROOT / "docs" / "samples" / "registry-surgeries-sample.csv"
DICTIONARY = ROOT / "docs" / "registry-data-dictionary.md"
NAMES = [c.name for c in COLUMNS]


# --- helpers --------------------------------------------------------------------------------------
def good(**changes: Any) -> dict[str, Any]:
    """A complete, valid row for world.patient_a: a robotic interval cytoreduction converted to
    open, with residual disease, procedures, team and complications."""
    row = {
        "source_id": "OR-1",
        "mrn": "MRN-a",
        "condition_icd10": "C56.9",
        "date": "2026-04-14",
        "urgency": "elective",
        "specialty": "gyn_onc",
        "indication": "Ovarian cancer, FIGO IIIC",
        "procedure_group": "ovarian_cytoreduction",
        "timing": "interval",
        "neoadjuvant_cycles": "3",
        "advanced_ovarian": "yes",
        "approach": "robotic_multiport",
        "platform": "da Vinci Xi",
        "converted_to": "open",
        "conversion_reason": "Dense adhesions",
        "incision_to_closure_min": "285",
        "docking_min": "12",
        "console_min": "190",
        "blood_loss_ml": "650",
        "transfused": "yes",
        "pci_preop": "2,1,1,0,0,0,1,2,2,0,0,0,1",
        "pci_intraop": "2,2,1,0,0,1,1,2,3,0,0,1,1",
        "residual_mm": "5",
        "residual_locations": "Small bowel mesentery",
        "incomplete_reason": "Miliary disease",
        **{f"oprep_{key}": "yes" for key in ("peritoneal_extent", "pci", "upper_abdomen")},
        "oprep_bowel": "yes",
        "oprep_retroperitoneum": "yes",
        "oprep_procedures": "yes",
        "oprep_residual_size_location": "yes",
        "oprep_reason_incomplete": "yes",
        "pathology_report_complete": "yes",
        "mdt_discussed": "yes",
        "in_trial": "no",
        "preop_workup_complete": "yes",
        "complications_prospective": "yes",
        "procedures": "HYS01|Hysterectomy with BSO|||hysterectomy_bso;"
        "OME01|Omentectomy|||omentectomy;"
        "RSR01|Rectosigmoid resection|SNOMED CT|12345|rectosigmoidectomy_anastomosis;"
        "ADH01|Adhesiolysis",
        "team": "Kim Ji-won|console|gyn_onc;Lee Min-ho|bedside",
        "complications": "Ileus|II|4;Ureteric injury, stented|IIIbd|9",
        "reoperation": "no",
        "interventional_radiology": "yes",
        "icu_transfer": "no",
        "readmission": "no",
        "length_of_stay": "11",
        "death_date": "",
        "adjuvant_chemo_start": "2026-05-20",
    }
    row.update(changes)
    return row


def csv_bytes(rows: list[dict[str, Any]], names: list[str] | None = None, **dialect: Any) -> bytes:
    names = names or NAMES
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=dialect.pop("lineterminator", "\n"), **dialect)
    writer.writerow(names)
    for row in rows:
        writer.writerow([row.get(name, "") for name in names])
    return out.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list[Any]], title: str = "Sheet", extra_sheets: int = 0) -> bytes:
    book = openpyxl.Workbook()
    for number in range(extra_sheets):
        book.create_sheet(f"notes {number}", 0)
    sheet = book.worksheets[-1]
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def clinician(world: Any) -> Actor:
    return Actor.for_user(world.clinician_user_a)


def run(world: Any, data: bytes, name: str = "surgeries.csv") -> tabular.TabularReport:
    return tabular.import_bytes(clinician(world), world.center_a, name, data)


def patient(world: Any, mrn: str, icd10: str = "C56.9", center: Any = None) -> Any:
    made = make(
        records.Patient(
            center=center or world.center_a,
            mrn=mrn,
            name_original=f"환자 {mrn}",
            name_romanized=f"Patient {mrn}",
            sex="female",
            birth_date=dt.date(1965, 1, 1),
        )
    )
    make(
        records.Condition(
            patient=made,
            role="primary",
            icd10=icd10,
            description="Cancer",
            diagnosed_on=dt.date(2024, 1, 1),
        )
    )
    return made


def nothing_written() -> bool:
    return not (
        Surgery.objects.exists()
        or Procedure.objects.exists()
        or TeamMember.objects.exists()
        or Complication.objects.exists()
        or SurgeryFacts.objects.exists()
    )


def import_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(entity_type="registry.surgery").order_by("sequence"))


# --- good files -----------------------------------------------------------------------------------
def test_a_good_csv_stores_surgeries_children_and_derived_facts(world: Any) -> None:
    second = good(
        source_id="OR-2",
        date="2026-05-02",
        timing="primary",
        neoadjuvant_cycles="",
        approach="open",
        platform="",
        converted_to="",
        conversion_reason="",
        docking_min="",
        console_min="",
        residual_mm="0",
        incomplete_reason="",
        residual_locations="",
        procedures="HYS01|Hysterectomy|||hysterectomy_bso",
        team="Park Seo-yeon|primary",
        complications="",
        transfused="",
        adjuvant_chemo_start="",
    )
    report = run(world, csv_bytes([good(), second]))
    assert report.ok, report.lines()
    assert (report.rows, report.created, report.updated, report.unchanged) == (2, 2, 0, 0)
    assert report.summary() == "surgeries.csv: 2 rows; 2 created, 0 updated, 0 unchanged."

    surgery = Surgery.objects.get(source_key="OR-1")
    assert surgery.patient == world.patient_a and surgery.center == world.center_a
    assert surgery.condition == world.condition_a
    assert surgery.date == dt.date(2026, 4, 14)
    assert (surgery.approach, surgery.converted_to) == ("robotic_multiport", "open")
    assert (surgery.neoadjuvant_cycles, surgery.docking_min, surgery.blood_loss_ml) == (3, 12, 650)
    assert surgery.residual_mm == Decimal("5") and surgery.transfused is True
    assert surgery.in_trial is False and surgery.advanced_ovarian is True
    assert surgery.pci_intraop == {
        str(r): s for r, s in enumerate([2, 2, 1, 0, 0, 1, 1, 2, 3, 0, 0, 1, 1])
    }
    assert surgery.operative_report_complete is True
    assert surgery.created_by == world.clinician_user_a and surgery.version == 1
    procedures = {p.local_code: p for p in surgery.procedures.all()}
    assert procedures["RSR01"].standard_system == "SNOMED CT"
    assert procedures["RSR01"].aletti_group == "rectosigmoidectomy_anastomosis"
    assert procedures["ADH01"].aletti_group == "" and procedures["ADH01"].name == "Adhesiolysis"
    team = {m.name: m for m in surgery.team.all()}
    assert team["Lee Min-ho"].role == "bedside"
    assert team["Lee Min-ho"].specialty == "gyn_onc"  # left out: the row's specialty
    complications = {c.description: c for c in surgery.complications.all()}
    assert (complications["Ileus"].grade, complications["Ileus"].day) == ("II", 4)
    stented = complications["Ureteric injury, stented"]
    assert (stented.grade, stented.present_at_discharge, stented.graded) == ("IIIb", True, "IIIbd")

    facts = SurgeryFacts.objects.get(surgery=surgery)
    assert facts.aletti_score == 1 + 1 + 3  # hysterectomy + omentectomy + rectosigmoid
    assert facts.cci == 39.7  # sqrt(1750 + 4550) / 2: the d suffix keeps the grade's weight
    assert facts.pci == 14
    assert (facts.residual, facts.converted, facts.robotic) == ("le_1cm", True, True)
    assert facts.primary_surgeon == "Kim Ji-won"  # the console surgeon when no primary is named
    assert facts.aoc_cytoreduction is True and facts.current is True
    assert facts.days_to_chemo == 36
    other = SurgeryFacts.objects.get(surgery__source_key="OR-2")
    assert (other.aletti_score, other.cci, other.residual) == (1, 0.0, "complete")
    assert other.primary_surgeon == "Park Seo-yeon" and other.converted is False

    events = import_events()
    assert len(events) == 1
    assert events[0].action == "create" and events[0].center_id == world.center_a.pk
    assert events[0].actor_user_id == world.clinician_user_a.pk
    assert events[0].detail["created"] == 2 and events[0].detail["format"] == "csv"


def test_the_write_path_is_bulk_without_a_save_per_row(world: Any) -> None:
    """No per-row save or signal, and a number of queries that does not grow with the rows."""
    rows = [good(source_id=f"OR-{n}") for n in range(60)]
    saves: list[Any] = []

    def count(sender: Any, **kwargs: Any) -> None:
        saves.append(sender)

    post_save.connect(count, dispatch_uid="test-tabular-saves")
    try:
        with CaptureQueriesContext(connection) as queries:
            report = run(world, csv_bytes(rows))
    finally:
        post_save.disconnect(dispatch_uid="test-tabular-saves")
    assert report.ok, report.lines()
    assert report.created == 60 and SurgeryFacts.objects.count() == 60
    assert Procedure.objects.count() == 240 and Complication.objects.count() == 120
    assert not [s for s in saves if s in (Surgery, Procedure, TeamMember, Complication)]
    assert len(queries) < 40, [q["sql"][:80] for q in queries.captured_queries]


def test_a_good_xlsx_with_excel_dates_numbers_and_korean_booleans(world: Any) -> None:
    names = ["source_id", "mrn", "date", "specialty", "indication", "approach", "timing"]
    names += ["neoadjuvant_cycles", "residual_mm", "incomplete_reason", "transfused"]
    names += ["mdt_discussed", "in_trial", "advanced_ovarian", "adjuvant_chemo_start"]
    names += ["blood_loss_ml", "complications", "team"]
    rows: list[list[Any]] = [
        names,
        [
            "OR-X1",
            "MRN-a",
            dt.datetime(2026, 4, 14),  # an Excel date cell
            "GYN_ONC",  # codes are case-insensitive
            "Ovarian cancer",
            "Open",
            "interval",
            3,  # numbers as Excel numbers
            2.5,
            "Diffuse disease",
            "예",
            "아니오",
            True,  # an Excel TRUE cell
            "네",
            dt.date(2026, 5, 20),
            650.0,
            "Ileus|IIIa|3",
            "Kim|primary",
        ],
    ]
    report = run(world, xlsx_bytes(rows), "surgeries.xlsx")
    assert report.ok, report.lines()
    assert report.format == "xlsx" and report.created == 1
    surgery = Surgery.objects.get(source_key="OR-X1")
    assert surgery.date == dt.date(2026, 4, 14)
    assert surgery.adjuvant_chemo_start == dt.date(2026, 5, 20)
    assert (surgery.specialty, surgery.approach) == ("gyn_onc", "open")
    assert (surgery.neoadjuvant_cycles, surgery.blood_loss_ml) == (3, 650)
    assert surgery.residual_mm == Decimal("2.5")
    assert (surgery.transfused, surgery.mdt_discussed, surgery.in_trial) == (True, False, True)
    assert surgery.advanced_ovarian is True
    assert surgery.condition is None  # the column is absent: no condition linked
    assert SurgeryFacts.objects.get(surgery=surgery).major_morbidity_30d is True


def test_the_xlsx_surgeries_sheet_is_read_and_sheet_row_numbers_are_reported(world: Any) -> None:
    names = ["source_id", "mrn", "date", "specialty", "indication", "approach"]
    rows: list[list[Any]] = [
        names,
        ["A", "MRN-a", dt.date(2026, 1, 5), "gyn_onc", "x", "open"],
        [],  # a blank row is skipped but still counts in the numbering
        ["B", 12345, 46000, "gyn_onc", "x", "open"],  # numbers where text and a date go
    ]
    report = run(world, xlsx_bytes(rows, title="Surgeries", extra_sheets=2), "s.xlsx")
    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [(4, "mrn"), (4, "date")]
    assert "leading zeros" in report.errors[0].message
    assert "is a number, not a date" in report.errors[1].message
    assert nothing_written()


def test_the_sample_file_imports(world: Any) -> None:
    """docs/samples: the MRNs are the demo's (smc-gcc), created here first."""
    with SAMPLE.open(newline="", encoding="utf-8") as sample:
        wanted = {(r["mrn"], r["condition_icd10"]) for r in csv.DictReader(sample)}
    assert len(wanted) == 10
    for mrn, icd10 in sorted(wanted):
        patient(world, mrn, icd10)
    report = tabular.import_file(clinician(world), world.center_a, SAMPLE)
    assert report.ok, report.lines()
    assert report.created == 10 and report.name == SAMPLE.name
    first = SurgeryFacts.objects.get(surgery__source_key="OR-2025-0101")
    assert first.aletti_score == 9 and scores_category(first.aletti_score) == "high"
    assert first.cci == 34.8  # IIIb and I: sqrt(4550 + 300) / 2
    fatal = SurgeryFacts.objects.get(surgery__source_key="OR-2025-0105")
    assert (fatal.cci, fatal.death_30d, fatal.major_morbidity_30d) == (100.0, True, True)
    robotic = SurgeryFacts.objects.filter(robotic=True)
    assert robotic.count() == 5 and robotic.filter(converted=True).count() == 3
    assert SurgeryFacts.objects.filter(aoc_cytoreduction=True).count() == 6
    again = tabular.import_file(clinician(world), world.center_a, SAMPLE)
    assert (again.created, again.unchanged) == (0, 10)


def scores_category(score: int | None) -> str:
    from caseway.registry.scores import aletti_category

    assert score is not None
    return aletti_category(score)


def test_the_templates_import_and_are_the_same_surgery(world: Any) -> None:
    patient(world, "00000001")
    report = run(world, tabular.template_csv(), "template.csv")
    assert report.ok, report.lines()
    assert report.created == 1
    again = run(world, tabular.template_xlsx(), "template.xlsx")
    assert again.ok, again.lines()
    assert (again.format, again.created, again.unchanged) == ("xlsx", 0, 1)


# --- messy but acceptable input -------------------------------------------------------------------
def test_messy_csv_is_accepted(world: Any) -> None:
    """BOM, semicolons, CRLF, spaces around names and values, header case, blank lines, short
    rows, codes in capitals, y/n and Korean booleans, list entries on separate lines."""
    text = (
        "\ufeff Source ID ; MRN ;date;Specialty;indication;approach;transfused;in_trial;"
        "mdt_discussed;residual_mm;procedures;complications;;\r\n"
        "\r\n"
        ' OR-7 ; MRN-a ; 2026-04-14 ;GYN_ONC; "Ovarian cancer; FIGO IIIC" ; ROBOTIC-MULTIPORT ;'
        ' Y ; 아니요 ; 예 ; 0.0 ;"HYS01|Hysterectomy|||Hysterectomy BSO\r\n'
        'OME01 | Omentectomy | | | omentectomy";" ileus | ii | 3 ";;\r\n'
        ";;;;;;;;;;;;;\r\n"
        "OR-8;MRN-a;2026-04-15;gyn_onc;Short row;open\r\n"
    )
    report = run(world, text.encode("utf-8"))
    assert report.ok, report.lines()
    assert report.created == 2
    surgery = Surgery.objects.get(source_key="OR-7")
    assert surgery.indication == "Ovarian cancer; FIGO IIIC"
    assert surgery.approach == "robotic_multiport"
    assert (surgery.transfused, surgery.in_trial, surgery.mdt_discussed) == (True, False, True)
    assert sorted(surgery.procedures.values_list("aletti_group", flat=True)) == [
        "hysterectomy_bso",
        "omentectomy",
    ]
    assert surgery.complications.get().grade == "II"
    assert Surgery.objects.get(source_key="OR-8").transfused is None  # absent: unknown


def test_tab_separated_and_korean_cp949_csv_are_accepted(world: Any) -> None:
    tab = csv_bytes([good(indication="난소암 3기")], delimiter="\t")
    report = run(world, tab)
    assert report.ok, report.lines()
    cp949 = csv_bytes([good(source_id="OR-9", indication="난소암 3기")]).decode().encode("cp949")
    report = run(world, cp949)
    assert report.ok, report.lines()
    assert Surgery.objects.get(source_key="OR-9").indication == "난소암 3기"


def test_utf16_text_from_excel_is_accepted(world: Any) -> None:
    data = csv_bytes([good()], delimiter="\t").decode()
    report = run(world, codecs.BOM_UTF16_LE + data.encode("utf-16-le"))
    assert report.ok, report.lines()


# --- bad rows -------------------------------------------------------------------------------------
BAD_CELLS = [
    ("date", "14/03/2026", "date", "is not a date: use YYYY-MM-DD"),
    ("date", "2026-02-30", "date", "is not a day of the calendar"),
    ("date", "2099-01-01", "date", "in the future"),
    ("residual_mm", "abc", "residual_mm", "is not a number"),
    ("residual_mm", "-1", "residual_mm", "greater than or equal to 0"),
    ("residual_mm", "2.55", "residual_mm", "decimal place"),
    ("incomplete_reason", "", "incomplete_reason", "Say why residual disease was left"),
    ("approach", "robot", "approach", "is not one of: open, laparoscopic"),
    ("approach", "open", "converted_to", "An open operation cannot be converted"),
    ("conversion_reason", "", "conversion_reason", "Say why the operation was converted"),
    ("neoadjuvant_cycles", "", "neoadjuvant_cycles", "give their number"),
    ("neoadjuvant_cycles", "13", "neoadjuvant_cycles", "less than or equal to 12"),
    ("neoadjuvant_cycles", "2.5", "neoadjuvant_cycles", "is not a whole number"),
    ("blood_loss_ml", "1,200", "blood_loss_ml", "is not a whole number"),
    ("pci_intraop", "1,2,3", "pci_intraop", "Give 13 lesion-size scores"),
    ("pci_intraop", "1,2,3,4,0,0,0,0,0,0,0,0,0", "pci_intraop", "Region 3: '4' is not a"),
    ("transfused", "maybe", "transfused", "is not yes or no"),
    ("oprep_bowel", "done", "oprep_bowel", "is not yes or no"),
    ("complications", "Leak|IIId|5", "complications", "is not a Clavien-Dindo grade"),
    ("complications", "Death|Vd|5", "complications", "Grade V (death) takes no d"),
    ("complications", "Leak|II", "complications", "entry 1: give the description"),
    ("complications", "Ileus|I|2;Leak|II|x", "complications", "entry 2: the day after surgery"),
    ("complications", "Leak|II|120", "complications", "entry 1 (day): Ensure"),
    (
        "team",
        "Kim|primary;Lee|surgeon",
        "team",
        "entry 2: 'surgeon' is not one of the team role codes",
    ),
    ("team", "Kim|primary|dentist", "team", "is not one of the specialty codes"),
    (
        "procedures",
        "X1|Appendectomy|||appendectomy",
        "procedures",
        "is not one of the Aletti group codes",
    ),
    ("procedures", "X1", "procedures", "give at least the local code and the name"),
    ("procedures", "X1|Y|SNOMED CT", "procedures", "standard code together with its code system"),
    ("procedures", "X1|Y|a|b|c|d", "procedures", "entry 1 has 6 parts"),
    ("procedures", "X" * 41 + "|Name", "procedures", "entry 1 (local_code): Ensure"),
    ("mrn", "NOPE", "mrn", "No patient with this MRN at center-a."),
    ("mrn", "123", "mrn", "leading zeros"),
    ("condition_icd10", "C50.9", "condition_icd10", "no recorded condition with ICD-10 code"),
    ("indication", "", "indication", "This column is required."),
    ("indication", "x" * 301, "indication", "at most 300 characters"),
    ("specialty", "", "specialty", "This column is required."),
    ("source_id", "", "source_id", "This column is required."),
    ("source_id", "x" * 201, "source_id", "At most 200 characters."),
    ("death_date", "2026-04-01", "death_date", "This date is before the surgery."),
    ("length_of_stay", "-2", "length_of_stay", "greater than or equal to 0"),
]


@pytest.mark.parametrize(("column", "value", "reported", "reason"), BAD_CELLS)
def test_a_bad_cell_is_reported_with_row_column_and_reason_and_nothing_is_written(
    world: Any, column: str, value: str, reported: str, reason: str
) -> None:
    data = csv_bytes([good(source_id="OK-1"), good(**{column: value})])
    report = run(world, data)
    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [(3, reported)], report.lines()
    assert reason in report.errors[0].message, report.errors[0].message
    assert report.lines()[0].startswith(f"row 3, column {reported}: ")
    assert (report.created, report.updated, report.unchanged, report.bad_rows) == (0, 0, 0, 1)
    assert "nothing imported; 1 problem in 1 of 2 rows" in report.summary()
    assert nothing_written() and not import_events()


def test_every_problem_of_every_row_is_reported_in_file_order(world: Any) -> None:
    rows = [
        good(source_id="A", date="yesterday", residual_mm="x"),
        good(source_id="B"),
        good(source_id="A"),  # the same operation twice
        good(source_id="C", approach="", team="Kim|chief"),
    ]
    report = run(world, csv_bytes(rows))
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "date"),
        (2, "residual_mm"),
        (4, "source_id"),
        (5, "approach"),
        (5, "team"),
    ]
    assert "also in row 2" in report.errors[2].message
    assert report.bad_rows == 3 and nothing_written()


def test_a_value_seen_before_is_judged_the_same_every_time(world: Any) -> None:
    """Field checks are remembered per value: the second bad row is reported too, and a value
    equal to a good one but written differently is judged on its own."""
    rows = [
        good(source_id="A", neoadjuvant_cycles="13"),
        good(source_id="B", neoadjuvant_cycles="13"),
        good(source_id="C", residual_mm="5.00"),  # trailing zeros: 5.0
        good(source_id="D", residual_mm="5.05"),
        good(source_id="E", residual_mm="1" * 30),  # too many digits: refused, not a crash
    ]
    report = run(world, csv_bytes(rows))
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "neoadjuvant_cycles"),
        (3, "neoadjuvant_cycles"),
        (5, "residual_mm"),
        (6, "residual_mm"),
    ]
    assert report.errors[0].message == report.errors[1].message
    assert "decimal place" in report.errors[2].message
    assert "digits" in report.errors[3].message
    assert run(world, csv_bytes([good(residual_mm="5.00")])).ok
    assert Surgery.objects.get().residual_mm == Decimal("5.0")


def test_encoding_problems_say_where(world: Any) -> None:
    latin1 = "source_id,mrn\nCafé,1\n".encode("latin-1")
    assert "byte 18 is not valid UTF-8" in run(world, latin1).errors[0].message
    # A file that declares UTF-8 with a BOM is never re-read as CP949 (that would garble it).
    declared = codecs.BOM_UTF8 + "source_id,mrn\n난소,".encode() + b"\xb3\xad\n"
    report = run(world, declared)
    assert len(report.errors) == 1 and "byte 25 is not valid UTF-8" in report.errors[0].message


def test_a_bad_row_after_chunks_were_written_rolls_everything_back(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tabular, "CHUNK_ROWS", 2)
    rows = [good(source_id=f"OR-{n}") for n in range(5)] + [good(source_id="X", date="")]
    report = run(world, csv_bytes(rows))
    assert report.errors == [RowError(7, "date", "This column is required.")]
    assert nothing_written() and not import_events()


def test_problems_beyond_the_limit_are_counted(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tabular, "MAX_ERRORS", 3)
    report = run(world, csv_bytes([good(source_id=f"S{n}", date="") for n in range(5)]))
    assert len(report.errors) == 3 and report.more_errors == 2
    assert report.lines()[-1] == "... and 2 more problems (only the first 3 are listed)."


def test_a_value_in_a_column_without_a_header_is_reported(world: Any) -> None:
    text = "source_id,mrn,date,specialty,indication,approach\n"
    text += "OR-1,MRN-a,2026-04-14,gyn_onc,Ovarian cancer,open,surplus\n"
    report = run(world, text.encode())
    assert [(e.row, e.column) for e in report.errors] == [(2, "")]
    assert "column G, which has no header" in report.errors[0].message
    assert report.lines()[0].startswith("row 2: There is a value in column G")


# --- the header -----------------------------------------------------------------------------------
def test_unknown_and_missing_columns_are_reported_once_with_the_expected_list(
    world: Any,
) -> None:
    names = ["source_id", "mrn", "dat", "specialty", "indication", "residual_mn"]
    report = run(world, csv_bytes([good(), good(source_id="B")], names=names))
    assert [(e.row, e.column) for e in report.errors] == [
        (1, "dat, residual_mn"),
        (1, "date, approach"),
    ]
    assert report.errors[0].message.startswith("Unknown column(s): dat, residual_mn.")
    assert "The columns are: source_id, mrn, condition_icd10, date," in report.errors[0].message
    assert report.errors[1].message.startswith("Required column(s) missing: date, approach.")
    assert nothing_written()


def test_a_column_named_twice_is_refused(world: Any) -> None:
    names = ["source_id", "mrn", "date", "specialty", "indication", "approach", "Date"]
    report = run(world, csv_bytes([good()], names=names))
    assert [(e.row, e.column) for e in report.errors] == [(1, "date")]


# --- whole files ----------------------------------------------------------------------------------
def _zip(name: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, "hello")
    return out.getvalue()


FILES = [
    (b"", "The file is empty."),
    (b"\xef\xbb\xbf \r\n\r\n", "The file is empty."),
    (",".join(NAMES).encode() + b"\n\n", "The file has a header but no rows below it."),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "neither a CSV text file nor"),
    ("source_id,mrn\nCafé,1\n".encode("latin-1"), "nor CSV text in UTF-8 (or Korean CP949)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel (.xls)"),
    (_zip("report.txt"), "a ZIP archive but not an Excel workbook"),
    (b'source_id,"mrn\n' + b"x" * 140_000 + b"\n", "cannot be read as CSV"),
]


@pytest.mark.parametrize(("data", "message"), FILES)
def test_a_file_that_cannot_be_read_gets_one_clear_message(
    world: Any, data: bytes, message: str
) -> None:
    report = run(world, data, "surgeries.csv")
    assert len(report.errors) == 1 and report.errors[0].row == 0, report.lines()
    assert message in report.errors[0].message
    assert report.lines() == [report.errors[0].message]
    assert nothing_written()


def test_an_oversized_or_missing_file_is_refused(world: Any, settings: Any, tmp_path: Path) -> None:
    settings.CASEWAY_REGISTRY_IMPORT_MAX_BYTES = 100
    report = run(world, csv_bytes([good()]))
    assert "the limit is 100 bytes" in report.errors[0].message
    missing = tabular.import_file(clinician(world), world.center_a, tmp_path / "none.csv")
    assert "The file cannot be read" in missing.errors[0].message


def test_an_xlsx_empty_sheet_and_a_csv_named_xlsx(world: Any) -> None:
    assert run(world, xlsx_bytes([]), "s.xlsx").errors[0].message == "The file is empty."
    report = run(world, csv_bytes([good()]), "misnamed.xlsx")  # the content decides
    assert report.ok and report.format == "csv"


# --- re-import ------------------------------------------------------------------------------------
def test_importing_again_is_idempotent_and_updates_changed_unsigned_rows(world: Any) -> None:
    first = [good(), good(source_id="OR-2", date="2026-05-02")]
    assert run(world, csv_bytes(first)).created == 2
    again = run(world, csv_bytes(first))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Surgery.objects.count() == 2 and Procedure.objects.filter(voided=False).count() == 8

    changed = [
        good(residual_mm="12", team="Kim Ji-won|console|gyn_onc;Choi Dong-hyun|proctor"),
        good(source_id="OR-2", date="2026-05-02"),
    ]
    report = run(world, csv_bytes(changed))
    assert report.ok, report.lines()
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    surgery = Surgery.objects.get(source_key="OR-1")
    assert surgery.residual_mm == Decimal("12") and surgery.version == 2
    current = surgery.team.filter(voided=False)
    assert sorted(current.values_list("name", flat=True)) == ["Choi Dong-hyun", "Kim Ji-won"]
    gone = surgery.team.filter(voided=True)  # a list that differs is replaced as a whole
    assert sorted(gone.values_list("name", flat=True)) == ["Kim Ji-won", "Lee Min-ho"]
    assert all(m.void_reason.startswith("Replaced") and m.version == 2 for m in gone)
    assert surgery.procedures.filter(voided=True).count() == 0  # the same list: kept
    facts = SurgeryFacts.objects.get(surgery=surgery)
    assert (facts.residual, facts.proctored) == ("gt_1cm", True)
    update = [e for e in import_events() if e.action == "update"]
    assert len(update) == 1 and update[0].entity_id == str(surgery.pk)
    assert update[0].detail["changes"]["residual_mm"] == ["5.0", "12.0"]
    assert update[0].detail["replaced"] == ["team"]


def test_columns_left_out_keep_what_is_stored(world: Any) -> None:
    assert run(world, csv_bytes([good()])).created == 1
    names = ["source_id", "mrn", "date", "specialty", "indication", "approach", "length_of_stay"]
    report = run(world, csv_bytes([good(length_of_stay="14")], names=names))
    assert report.ok and report.updated == 1, report.lines()
    surgery = Surgery.objects.get()
    assert surgery.length_of_stay == 14 and surgery.residual_mm == Decimal("5")
    assert surgery.condition == world.condition_a and surgery.pci_intraop is not None
    assert surgery.team.filter(voided=False).count() == 2
    assert SurgeryFacts.objects.get().cci == 39.7


def test_a_signed_surgery_is_not_changed_by_an_import(world: Any) -> None:
    actor = clinician(world)
    assert run(world, csv_bytes([good(), good(source_id="OR-2")])).created == 2
    signed = services.sign(actor, Surgery.objects.get(source_key="OR-1"), 1)
    assert run(world, csv_bytes([good(), good(source_id="OR-2")])).unchanged == 2
    report = run(
        world,
        csv_bytes(
            [good(residual_mm="0", incomplete_reason=""), good(source_id="OR-2", in_trial="yes")]
        ),
    )
    assert [(e.row, e.column) for e in report.errors] == [(2, "source_id")]
    assert report.errors[0].message == (
        "This surgery is signed; amend instead (the file changes: residual_mm, incomplete_reason)."
    )
    signed.refresh_from_db()
    assert signed.residual_mm == Decimal("5") and signed.version == 2
    assert Surgery.objects.get(source_key="OR-2").in_trial is False  # all or nothing


def test_an_amended_surgery_is_matched_by_its_latest_version(world: Any) -> None:
    actor = clinician(world)
    run(world, csv_bytes([good()]))
    signed = services.sign(actor, Surgery.objects.get(), 1)
    services.amend(actor, signed, {"length_of_stay": 12}, "Late discharge")
    report = run(world, csv_bytes([good(length_of_stay="12")]))
    assert report.ok and report.unchanged == 1, report.lines()
    assert run(world, csv_bytes([good()])).errors[0].column == "source_id"


def test_a_voided_or_another_patients_source_id_is_refused(world: Any) -> None:
    from caseway.core import versioning

    patient(world, "MRN-2")
    run(world, csv_bytes([good(), good(source_id="OR-2")]))
    versioning.void(SYSTEM, Surgery.objects.get(source_key="OR-2"), 1, "Entered twice")
    report = run(world, csv_bytes([good(mrn="MRN-2"), good(source_id="OR-2")]))
    assert [(e.row, e.column) for e in report.errors] == [(2, "mrn"), (3, "source_id")]
    assert "another patient's" in report.errors[0].message
    assert "was voided" in report.errors[1].message


# --- access ---------------------------------------------------------------------------------------
def test_an_actor_without_a_role_at_the_center_is_refused(world: Any) -> None:
    elsewhere = person("clin-b@test.kr", Role.CLINICIAN, center=world.center_b)
    for user in (elsewhere, world.nobody):
        with pytest.raises(access.Forbidden):
            tabular.import_bytes(Actor.for_user(user), world.center_a, "s.csv", csv_bytes([good()]))
    assert nothing_written()


def test_patients_of_another_center_are_not_found(world: Any) -> None:
    report = run(world, csv_bytes([good(mrn="MRN-b")]))
    assert report.errors[0].column == "mrn" and nothing_written()


# --- pieces ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("IIIbd", ("IIIb", True)),
        ("IIIb d", ("IIIb", True)),
        ("iiib", ("IIIb", False)),
        ("IVA", ("IVa", False)),
        ("Id", ("I", True)),
        ("V", ("V", False)),
    ],
)
def test_clavien_dindo_grades_as_typed(typed: str, expected: tuple[str, bool]) -> None:
    assert tabular.clavien_dindo(typed) == expected


@pytest.mark.parametrize("typed", ["IIId", "Vd", "VI", "3b", "IIIc", "d", ""])
def test_clavien_dindo_non_grades_are_refused(typed: str) -> None:
    with pytest.raises(tabular._CellError):
        tabular.clavien_dindo(typed)


def test_the_data_dictionary_is_generated_from_the_columns() -> None:
    text = DICTIONARY.read_text(encoding="utf-8")
    assert tabular.markdown_table() in text
    for column in COLUMNS:
        assert f"| `{column.name}` |" in text
    with SAMPLE.open(newline="", encoding="utf-8") as sample:
        assert next(csv.reader(sample)) == NAMES
