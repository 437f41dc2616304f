"""Import surgeries with their outcomes from a CSV or XLSX file, all or nothing.

One row per operation, in a wide, flat layout a hospital data manager fills in with Excel: the
patient by medical record number, every field a person types, and the procedures, team and
complications as lists in one cell each (``docs/registry-data-dictionary.md``, generated from
``COLUMNS``). Nothing is derived from the file that the registry derives itself: scores and
outcome flags come from ``services.derive_facts``.

Why it looks like this:

* Every problem is reported with the row number the user sees in the spreadsheet (the header
  is row 1), the column and the reason, and nothing is stored if there is a single one: a
  half-imported file is worse than none, because the user cannot tell which half.
* Files from whole centers are large (a million rows is the benchmark), so rows are read as a
  stream, checked in Python in chunks (the model's own field rules and ``clean()``), and
  written in bulk inside one transaction: no ``save()`` and no signal per row. A later bad row
  rolls back the chunks already written.
* ``source_id`` is the center's own id for the operation, so importing the same file again
  duplicates nothing: unchanged rows are counted, changed unsigned surgeries are updated, and
  changed signed ones are refused (a signed record is corrected by amendment only).
"""

from __future__ import annotations

import codecs
import copy
import csv
import datetime as dt
import io
import os
import re
import warnings
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, models, transaction
from django.db.models import F
from django.db.models.base import ModelState
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from caseway.audit.models import AuditAction
from caseway.audit.services import write_events
from caseway.core import access
from caseway.core.access import Action
from caseway.organizations.models import Center
from caseway.records.fhir.importer import insert_objects, insert_rows
from caseway.records.models import Condition, Patient
from caseway.registry import scores, services
from caseway.registry.choices import (
    OPERATIVE_REPORT_ITEMS,
    AlettiGroup,
    Approach,
    ConversionTarget,
    ProcedureGroup,
    SurgeonSpecialty,
    TeamRole,
    Timing,
    Urgency,
)
from caseway.registry.models import Complication, Procedure, Surgery, SurgeryFacts, TeamMember

__all__ = [
    "COLUMNS",
    "Column",
    "RowError",
    "TabularReport",
    "import_bytes",
    "import_file",
    "markdown_table",
    "template_csv",
    "template_xlsx",
]

#: Problems listed in a report; beyond this they are only counted (a file with a systematic
#: mistake would otherwise produce a million lines nobody reads).
MAX_ERRORS = 1000
#: Rows checked and written together: one lookup query per kind per chunk, bounded memory.
CHUNK_ROWS = 2000


def max_bytes() -> int:
    """The largest file accepted (``CASEWAY_REGISTRY_IMPORT_MAX_BYTES``, default 1 GiB)."""
    return int(getattr(settings, "CASEWAY_REGISTRY_IMPORT_MAX_BYTES", 1024**3))


# --- the report -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RowError:
    """One problem: the row as numbered in the spreadsheet (header = 1; 0 = the whole file)."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.row == 0:
            return self.message
        if not self.column:
            return _("row %(row)s: %(message)s") % {"row": self.row, "message": self.message}
        return _("row %(row)s, column %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class TabularReport:
    """What an import did, or why it did nothing. Counts are zero unless ``ok``."""

    name: str = ""
    format: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    #: Problems found beyond the ``MAX_ERRORS`` listed.
    more_errors: int = 0
    #: Data rows with at least one problem.
    bad_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, row: int, column: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(row, column, message))
        else:
            self.more_errors += 1

    def fail(self, message: str) -> None:
        """A problem with the file as a whole."""
        self.add(0, "", message)

    def summary(self) -> str:
        if self.ok:
            return _(
                "%(name)s: %(rows)s rows; %(created)s created, %(updated)s updated, "
                "%(unchanged)s unchanged."
            ) % {
                "name": self.name,
                "rows": f"{self.rows:,}",
                "created": f"{self.created:,}",
                "updated": f"{self.updated:,}",
                "unchanged": f"{self.unchanged:,}",
            }
        count = len(self.errors) + self.more_errors
        problems = ngettext("%(count)s problem", "%(count)s problems", count) % {
            "count": f"{count:,}"
        }
        if self.bad_rows:
            return _("%(name)s: nothing imported; %(problems)s in %(bad)s of %(rows)s rows.") % {
                "name": self.name,
                "problems": problems,
                "bad": f"{self.bad_rows:,}",
                "rows": f"{self.rows:,}",
            }
        return _("%(name)s: nothing imported; %(problems)s.") % {
            "name": self.name,
            "problems": problems,
        }

    def lines(self) -> list[str]:
        """One line per problem, e.g. ``row 7, column residual_mm: ...``."""
        out = [str(error) for error in self.errors]
        if self.more_errors:
            out.append(
                _("... and %(count)s more problems (only the first %(listed)s are listed).")
                % {"count": f"{self.more_errors:,}", "listed": MAX_ERRORS}
            )
        return out


class SourceError(Exception):
    """The file as a whole cannot be read; the message says why, for the user."""


class _CellError(Exception):
    """A cell that cannot be read as its column's type; the message is for the user."""


# --- the columns ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    """One column of the file. ``description`` is English, translated where it is shown."""

    name: str
    kind: str
    description: str
    example: str
    required: bool = False
    #: The Surgery field the column fills ("" for lookups, checklist items and lists).
    field: str = ""
    choices: tuple[str, ...] = ()
    #: The value of an empty cell.
    empty: Any = None
    #: What a checklist column is about (lazily translated), put into ``description``.
    item: Any = None

    def describe(self) -> str:
        """The description in the active language."""
        text = _(self.description)
        return text % {"item": str(self.item).lower()} if self.item is not None else text

    @property
    def type_label(self) -> str:
        if self.kind == "text":
            length = getattr(Surgery._meta.get_field(self.field), "max_length", None)
            return f"text (up to {length} characters)"
        return _TYPE_LABELS[self.kind]

    @property
    def allowed(self) -> str:
        if self.choices:
            return ", ".join(self.choices)
        return _ALLOWED.get(self.kind, "")


_TYPE_LABELS = {
    "id": "text (up to 200 characters)",
    "mrn": "text (up to 40 characters)",
    "icd10": "ICD-10 code",
    "choice": "code",
    "integer": "whole number",
    "decimal": "number, one decimal place",
    "date": "date",
    "boolean": "yes/no",
    "oprep": "yes/no",
    "pci": "13 scores",
    "procedures": "list",
    "team": "list",
    "complications": "list",
}
_BOOLEANS = "yes, no, y, n, true, false, 1, 0, 예, 아니오 (also 네, 아니요); Excel TRUE/FALSE"
_ALLOWED = {
    "id": "any text; unique in the file",
    "mrn": "as in the hospital record (keep leading zeros)",
    "icd10": "a code of one of the patient's conditions",
    "text": "any text",
    "integer": "0 or more",
    "decimal": "0 or more, e.g. 2.5",
    "date": "YYYY-MM-DD, or an Excel date cell; not in the future",
    "boolean": _BOOLEANS,
    "oprep": _BOOLEANS,
    "pci": "13 numbers 0-3 (regions 0-12 in order), separated by commas",
    "procedures": "`LOCALCODE|name|standard_system|standard_code|aletti_group;...`",
    "team": "`name|role|specialty;...`",
    "complications": "`description|grade|day;...`",
}


def _col(
    name: str,
    kind: str,
    description: str,
    example: str,
    *,
    required: bool = False,
    choices: Iterable[str] = (),
    empty: Any = None,
    surgery_field: bool = True,
    item: Any = None,
) -> Column:
    if empty is None and kind == "text":
        empty = ""
    return Column(
        name=name,
        kind=kind,
        description=description,
        example=example,
        required=required,
        field=name if surgery_field else "",
        choices=tuple(c for c in choices if c),
        empty=empty,
        item=item,
    )


COLUMNS: list[Column] = [
    _col(
        "source_id",
        "id",
        gettext_noop(
            "Your center's own id for the operation (e.g. the theatre booking number). "
            "Importing a row with the same source_id again updates that surgery instead of "
            "adding another."
        ),
        "OR-2025-000123",
        required=True,
        surgery_field=False,
    ),
    _col(
        "mrn",
        "mrn",
        gettext_noop(
            "The patient's medical record number at the center. The patient must already be "
            "registered; the import never creates patients."
        ),
        "00000001",
        required=True,
        surgery_field=False,
    ),
    _col(
        "condition_icd10",
        "icd10",
        gettext_noop(
            "ICD-10 code of the patient's diagnosis the operation treats (one of the patient's "
            "recorded conditions; C56 matches C56.9). Empty: no condition linked."
        ),
        "C56.9",
        surgery_field=False,
    ),
    _col("date", "date", gettext_noop("Date of surgery."), "2025-03-14", required=True),
    _col(
        "urgency",
        "choice",
        gettext_noop("Urgency. Empty: elective."),
        "elective",
        choices=Urgency.values,
        empty=Urgency.ELECTIVE.value,
    ),
    _col(
        "specialty",
        "choice",
        gettext_noop("Specialty of the operating team."),
        "gyn_onc",
        required=True,
        choices=SurgeonSpecialty.values,
    ),
    _col(
        "indication",
        "text",
        gettext_noop("Why the operation was done, in words."),
        "Advanced ovarian cancer, FIGO IIIC",
        required=True,
    ),
    _col(
        "procedure_group",
        "choice",
        gettext_noop("What kind of operation, for volumes. Empty: other."),
        "ovarian_cytoreduction",
        choices=ProcedureGroup.values,
        empty=ProcedureGroup.OTHER.value,
    ),
    _col(
        "timing",
        "choice",
        gettext_noop(
            "Timing of a cytoreduction: primary, interval (after neoadjuvant chemotherapy), "
            "secondary, tertiary; na for an operation that is not a cytoreduction. Empty: na."
        ),
        "interval",
        choices=Timing.values,
        empty=Timing.NOT_APPLICABLE.value,
    ),
    _col(
        "neoadjuvant_cycles",
        "integer",
        gettext_noop("Cycles of neoadjuvant chemotherapy (0-12); required for interval surgery."),
        "3",
    ),
    _col(
        "advanced_ovarian",
        "boolean",
        gettext_noop(
            "A cytoreduction for advanced (stage III-IV) ovarian cancer: the population of the "
            "ESGO indicators. Empty: no."
        ),
        "yes",
        empty=False,
    ),
    _col(
        "approach",
        "choice",
        gettext_noop("Surgical approach as planned."),
        "robotic_multiport",
        required=True,
        choices=Approach.values,
    ),
    _col(
        "platform",
        "text",
        gettext_noop("Robotic or laparoscopic platform."),
        "da Vinci Xi",
    ),
    _col(
        "converted_to",
        "choice",
        gettext_noop(
            "Conversion of a minimally invasive operation. Empty: not converted. An open "
            "operation cannot be converted."
        ),
        "open",
        choices=ConversionTarget.values,
        empty="",
    ),
    _col(
        "conversion_reason",
        "text",
        gettext_noop("Why the operation was converted; required with converted_to."),
        "Dense adhesions",
    ),
    _col(
        "incision_to_closure_min",
        "integer",
        gettext_noop("Minutes from incision to closure."),
        "285",
    ),
    _col("docking_min", "integer", gettext_noop("Robot docking time in minutes."), "12"),
    _col("console_min", "integer", gettext_noop("Console time in minutes."), "190"),
    _col("blood_loss_ml", "integer", gettext_noop("Estimated blood loss in ml."), "650"),
    _col("transfused", "boolean", gettext_noop("Blood transfusion during or after."), "yes"),
    _col(
        "pci_preop",
        "pci",
        gettext_noop(
            "Peritoneal Cancer Index before surgery (imaging or laparoscopy): the lesion-size "
            "score 0-3 of each of the 13 regions 0-12, in region order. Empty: not assessed."
        ),
        "2,1,1,0,0,0,1,2,2,0,0,0,1",
    ),
    _col(
        "pci_intraop",
        "pci",
        gettext_noop("Peritoneal Cancer Index at surgery, as pci_preop; the registry's PCI."),
        "2,2,1,0,0,1,1,2,3,0,0,1,1",
    ),
    _col(
        "residual_mm",
        "decimal",
        gettext_noop(
            "Largest residual nodule in mm: 0 when no residual disease is left; empty when not "
            "recorded."
        ),
        "5",
    ),
    _col(
        "residual_locations",
        "text",
        gettext_noop("Where residual disease was left."),
        "Small bowel mesentery",
    ),
    _col(
        "incomplete_reason",
        "text",
        gettext_noop("Why resection is incomplete; required when residual_mm is above 0."),
        "Miliary disease on the small bowel mesentery",
    ),
    *(
        _col(
            f"oprep_{key}",
            "oprep",
            gettext_noop("The operative report describes: %(item)s. Empty: not assessed."),
            "yes",
            surgery_field=False,
            item=label,
        )
        for key, label in OPERATIVE_REPORT_ITEMS
    ),
    _col(
        "pathology_report_complete",
        "boolean",
        gettext_noop("The pathology report has the required items."),
        "yes",
    ),
    _col(
        "mdt_discussed",
        "boolean",
        gettext_noop("Planned at a multidisciplinary tumour board."),
        "yes",
    ),
    _col("in_trial", "boolean", gettext_noop("The patient was in a clinical trial."), "no"),
    _col(
        "preop_workup_complete",
        "boolean",
        gettext_noop("The required pre-operative work-up was done."),
        "yes",
    ),
    _col(
        "complications_prospective",
        "boolean",
        gettext_noop("Complications were recorded prospectively."),
        "yes",
    ),
    _col(
        "procedures",
        "procedures",
        gettext_noop(
            "Procedures performed, separated by ';' (or line breaks in a cell). Each: local "
            "code | name | standard code system | standard code | Aletti group; trailing parts "
            "may be left out."
        ),
        "HYS01|Total hysterectomy with BSO|||hysterectomy_bso;"
        "OME01|Infracolic omentectomy|||omentectomy",
        surgery_field=False,
    ),
    _col(
        "team",
        "team",
        gettext_noop(
            "The surgical team, separated by ';'. Each: name | role | specialty; the specialty "
            "may be left out (then the row's specialty)."
        ),
        "Kim Ji-won|console|gyn_onc;Lee Min-ho|bedside",
        surgery_field=False,
    ),
    _col(
        "complications",
        "complications",
        gettext_noop(
            "Complications, separated by ';'. Each: description | Clavien-Dindo grade | day "
            "after surgery (0-90). Add d to the grade for a disability at discharge (IIIbd)."
        ),
        "Ileus|II|4;Pelvic abscess, drained|IIIa|9",
        surgery_field=False,
    ),
    _col("reoperation", "boolean", gettext_noop("Reoperation."), "no"),
    _col(
        "interventional_radiology",
        "boolean",
        gettext_noop("Interventional radiology needed."),
        "yes",
    ),
    _col("icu_transfer", "boolean", gettext_noop("Unplanned ICU transfer."), "no"),
    _col("readmission", "boolean", gettext_noop("Readmission."), "no"),
    _col("length_of_stay", "integer", gettext_noop("Length of stay in days."), "11"),
    _col("death_date", "date", gettext_noop("Date of death, if the patient died."), ""),
    _col(
        "adjuvant_chemo_start",
        "date",
        gettext_noop("Date adjuvant chemotherapy started."),
        "2025-04-10",
    ),
]
_BY_NAME = {c.name: c for c in COLUMNS}
_ORDER = {c.name: n for n, c in enumerate(COLUMNS)}
#: Model field (or lookup) -> the column a model error is reported on.
_FIELD_COLUMN = {
    **{c.field: c.name for c in COLUMNS if c.field},
    "patient": "mrn",
    "center": "mrn",
    "condition": "condition_icd10",
    "source_key": "source_id",
    "operative_report": "oprep_*",
    NON_FIELD_ERRORS: "",
}
_CHILD_MODELS: dict[str, type[Any]] = {
    "procedures": Procedure,
    "team": TeamMember,
    "complications": Complication,
}
#: What makes two children the same (re-import compares these, in any order).
_CHILD_KEYS = {
    "procedures": ("local_code", "name", "standard_system", "standard_code", "aletti_group"),
    "team": ("name", "role", "specialty"),
    "complications": ("description", "grade", "present_at_discharge", "day"),
}


# --- cells ----------------------------------------------------------------------------------------
# Parsers get the column, the cell as read (a str from CSV; str, number, date or bool from
# XLSX) and its text, already stripped and never empty. They return the value or raise
# _CellError. They run once per cell of a million-row file: kept lean on purpose.
_INVISIBLE = "\ufeff\u200b"


def _text(value: Any) -> str:
    """A cell as text: strings stripped (also of BOMs), Excel numbers without a stray .0."""
    if type(value) is str:
        text = value.strip()
        if text and (text[0] in _INVISIBLE or text[-1] in _INVISIBLE):
            text = text.strip(_INVISIBLE).strip()
        return text
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _blank(cells: Sequence[Any]) -> bool:
    return not any(_text(v) for v in cells)


def _codes(choices: Iterable[str]) -> dict[str, str]:
    """Typed form -> code: any case; spaces or hyphens for underscores."""
    return {c.lower(): c for c in choices if c}


def _typed_code(text: str) -> str:
    return text.lower().replace(" ", "_").replace("-", "_")


_TRUE = frozenset({"yes", "y", "true", "t", "1", "예", "네"})
_FALSE = frozenset({"no", "n", "false", "f", "0", "아니오", "아니요"})


def _boolean(column: Column, value: Any, text: str) -> bool | None:
    if isinstance(value, bool):
        return value
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise _CellError(
        _("%(value)r is not yes or no (use yes/no, true/false, 1/0, y/n or 예/아니오).")
        % {"value": text}
    )


_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


def _date(column: Column, value: Any, text: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float):
        raise _CellError(
            _(
                "%(value)s is a number, not a date: format the cell as a date, or type the "
                "date as YYYY-MM-DD."
            )
            % {"value": text}
        )
    match = _DATE.fullmatch(text)
    if match is None:
        raise _CellError(
            _("%(value)r is not a date: use YYYY-MM-DD, e.g. 2025-03-14.") % {"value": text}
        )
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise _CellError(_("%(value)s is not a day of the calendar.") % {"value": text}) from None


_INTEGER = re.compile(r"[+-]?\d+(?:\.0*)?")


def _integer(column: Column, value: Any, text: str) -> int:
    if type(value) is int:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if text.isdigit():
        return int(text)
    if not _INTEGER.fullmatch(text):
        raise _CellError(_("%(value)r is not a whole number.") % {"value": text})
    return int(text.split(".")[0])


_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def _decimal(column: Column, value: Any, text: str) -> Decimal:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not _DECIMAL.fullmatch(text):
        raise _CellError(_("%(value)r is not a number (e.g. 2.5).") % {"value": text})
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise _CellError(_("%(value)r is not a number (e.g. 2.5).") % {"value": text}) from None


def _stored_decimal(column: Column, value: Any, text: str) -> Decimal:
    """As the database gives it back (5 -> 5.0), so that re-imports compare and audit diffs
    read alike; more places than the field has are left for its validator to refuse."""
    number = _decimal(column, value, text)
    places = getattr(Surgery._meta.get_field(column.field), "decimal_places", None)
    if places is None:
        return number
    try:
        normal = number.normalize()  # 5.00 is 5: trailing zeros are not precision
        exponent = normal.as_tuple().exponent
        if isinstance(exponent, int) and exponent >= -places:
            return normal.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:
        pass  # too many digits to hold: the field's validator says so
    return number


_CHOICE_CODES: dict[str, dict[str, str]] = {}


def _choice(column: Column, value: Any, text: str) -> str:
    codes = _CHOICE_CODES.get(column.name)
    if codes is None:
        codes = _CHOICE_CODES[column.name] = _codes(column.choices)
    code = codes.get(text) or codes.get(_typed_code(text))
    if code is None:
        raise _CellError(
            _("%(value)r is not one of: %(allowed)s.")
            % {"value": text, "allowed": ", ".join(column.choices)}
        )
    return code


def _plain(column: Column, value: Any, text: str) -> str:
    return text


def _icd10(column: Column, value: Any, text: str) -> str:
    return text.upper()


_PCI_SPLIT = re.compile(r"[\s,;/]+")
_PCI_SCORES = {"0": 0, "1": 1, "2": 2, "3": 3}


def _pci(column: Column, value: Any, text: str) -> dict[str, int]:
    parts = [p for p in _PCI_SPLIT.split(text) if p]
    if len(parts) != len(scores.PCI_REGIONS):
        raise _CellError(
            _(
                "Give 13 lesion-size scores (regions 0-12 in order, each 0-3) separated by "
                "commas; found %(count)s."
            )
            % {"count": len(parts)}
        )
    regions: dict[str, int] = {}
    for region, part in enumerate(parts):
        score = _PCI_SCORES.get(part)
        if score is None:
            raise _CellError(
                _("Region %(region)s: %(value)r is not a lesion-size score 0-3.")
                % {"region": region, "value": part}
            )
        regions[str(region)] = score
    return regions


_ENTRY_SPLIT = re.compile(r"[;\n\r]+")


def _entries(text: str, width: int) -> Iterator[tuple[int, list[str]]]:
    """Entries of a list cell (1-based), each padded to ``width`` parts."""
    entries = [e for e in (e.strip() for e in _ENTRY_SPLIT.split(text)) if e]
    for number, entry in enumerate(entries, start=1):
        parts = [p.strip() for p in entry.split("|")]
        if len(parts) > width:
            raise _CellError(
                _("entry %(number)s has %(count)s parts separated by '|'; at most %(width)s.")
                % {"number": number, "count": len(parts), "width": width}
            )
        if len(parts) < width:
            parts += [""] * (width - len(parts))
        yield number, parts


_ALETTI_CODES = _codes(AlettiGroup.values)
_ROLE_CODES = _codes(TeamRole.values)
_SPECIALTY_CODES = _codes(SurgeonSpecialty.values)


def _code_in(codes: dict[str, str], text: str, what: str, number: int) -> str:
    """``what`` is translated only for the message (gettext per entry is measurable)."""
    code = codes.get(text) or codes.get(_typed_code(text))
    if code is None:
        raise _CellError(
            _("entry %(number)s: %(value)r is not one of the %(what)s codes: %(allowed)s.")
            % {
                "number": number,
                "value": text,
                "what": _(what),
                "allowed": ", ".join(codes.values()),
            }
        )
    return code


def _procedures(column: Column, value: Any, text: str) -> list[dict[str, Any]]:
    out = []
    for number, (local, name, system, code, aletti) in _entries(text, 5):
        if not local or not name:
            raise _CellError(
                _("entry %(number)s: give at least the local code and the name (CODE|name).")
                % {"number": number}
            )
        if bool(system) != bool(code):
            raise _CellError(
                _("entry %(number)s: give the standard code together with its code system.")
                % {"number": number}
            )
        out.append(
            {
                "local_code": local,
                "name": name,
                "standard_system": system,
                "standard_code": code,
                "aletti_group": (
                    _code_in(_ALETTI_CODES, aletti, gettext_noop("Aletti group"), number)
                    if aletti
                    else ""
                ),
            }
        )
    return out


def _team(column: Column, value: Any, text: str) -> list[dict[str, Any]]:
    out = []
    for number, (name, role, specialty) in _entries(text, 3):
        if not name or not role:
            raise _CellError(
                _("entry %(number)s: give at least the name and the role (name|role).")
                % {"number": number}
            )
        out.append(
            {
                "name": name,
                "role": _code_in(_ROLE_CODES, role, gettext_noop("team role"), number),
                # None: the surgery's specialty, filled in once the row's specialty is known.
                "specialty": (
                    _code_in(_SPECIALTY_CODES, specialty, gettext_noop("specialty"), number)
                    if specialty
                    else None
                ),
            }
        )
    return out


_GRADE = re.compile(r"(IV|V|I{1,3})([AB])?(D)?", re.IGNORECASE)


def clavien_dindo(text: str) -> tuple[str, bool]:
    """A Clavien-Dindo grade as typed -> (grade, present at discharge).

    ``IIIbd``, ``IIIb d`` and ``iiib D`` are grade IIIb with a disability at discharge; ``IIId``
    (no such grade) and ``Vd`` (death is not a disability at discharge) are refused.
    """
    match = _GRADE.fullmatch(text.replace(" ", ""))
    if match is not None:
        roman, letter, disability = match.groups()
        grade = roman.upper() + (letter or "").lower()
        if grade in scores.CLAVIEN_DINDO:
            scores.clavien_dindo_base(grade)  # the registry's own check, the final word
            if disability and grade == "V":
                raise _CellError(_("Grade V (death) takes no d suffix."))
            return grade, bool(disability)
    raise _CellError(
        _(
            "%(value)r is not a Clavien-Dindo grade: use I, II, IIIa, IIIb, IVa, IVb or V, with "
            "d for a disability at discharge (e.g. IIIbd)."
        )
        % {"value": text}
    )


def _complications(column: Column, value: Any, text: str) -> list[dict[str, Any]]:
    out = []
    for number, (description, grade, day) in _entries(text, 3):
        if not description or not grade or not day:
            raise _CellError(
                _(
                    "entry %(number)s: give the description, the Clavien-Dindo grade and the "
                    "day after surgery (description|grade|day)."
                )
                % {"number": number}
            )
        try:
            base, at_discharge = clavien_dindo(grade)
        except _CellError as exc:
            raise _CellError(
                _("entry %(number)s: %(problem)s") % {"number": number, "problem": exc}
            ) from None
        if not day.isdigit():
            raise _CellError(
                _("entry %(number)s: the day after surgery %(value)r is not a whole number.")
                % {"number": number, "value": day}
            )
        out.append(
            {
                "description": description,
                "grade": base,
                "present_at_discharge": at_discharge,
                "day": int(day),
            }
        )
    return out


_PARSERS: dict[str, Callable[[Column, Any, str], Any]] = {
    "id": _plain,
    "mrn": _plain,
    "icd10": _icd10,
    "text": _plain,
    "choice": _choice,
    "integer": _integer,
    "decimal": _stored_decimal,
    "date": _date,
    "boolean": _boolean,
    "oprep": _boolean,
    "pci": _pci,
    "procedures": _procedures,
    "team": _team,
    "complications": _complications,
}


# --- reading files --------------------------------------------------------------------------------
Rows = Generator[tuple[int, list[Any]], None, None]
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_READ = 1 << 20


def _open(stream: IO[bytes]) -> tuple[str, Rows]:
    """("csv" or "xlsx", its rows), decided by content; SourceError for anything else."""
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx", _xlsx_rows(stream)
    if head.startswith(_OLE):
        raise SourceError(
            _(
                "This is an old Excel (.xls) or password-protected workbook. Save it as an "
                "Excel workbook (.xlsx) without a password, or as CSV UTF-8."
            )
        )
    return "csv", _csv_rows(stream)


def _encoding(stream: IO[bytes]) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, or CP949: what Korean Excel writes
    for "CSV" (the whole file is checked, so a bad byte anywhere is found before any row)."""
    head = stream.read(4)
    stream.seek(0)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates: tuple[str, ...] = ("utf-16",)
    elif head.startswith(codecs.BOM_UTF8):
        candidates = ("utf-8-sig",)  # declared UTF-8: never re-read as CP949 (mojibake)
    else:
        candidates = ("utf-8-sig", "cp949")
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := stream.read(_READ):
                if _CONTROL.search(decoder.decode(chunk)):
                    raise SourceError(
                        _(
                            "The file contains binary data: it is neither a CSV text file nor "
                            "an Excel workbook (.xlsx)."
                        )
                    )
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            stream.seek(0)
            continue
        stream.seek(0)
        return encoding
    raise SourceError(
        _(
            "The file is neither an Excel workbook (.xlsx) nor CSV text in UTF-8 (or Korean "
            "CP949): byte %(offset)s is not valid UTF-8. In Excel, save it as 'CSV UTF-8' or "
            "as an Excel workbook."
        )
        % {"offset": f"{_first_bad_byte(stream) + 1:,}"}
    )


def _first_bad_byte(stream: IO[bytes]) -> int:
    """Where UTF-8 decoding of the stream first fails (0-based), for the user's message."""
    stream.seek(0)
    offset, pending = 0, b""
    while chunk := stream.read(_READ):
        data = pending + chunk
        try:
            _decoded, consumed = codecs.utf_8_decode(data, "strict", False)
        except UnicodeDecodeError as exc:
            return offset + exc.start
        offset += consumed
        pending = data[consumed:]
    return offset


def _delimiter(stream: IO[bytes], encoding: str) -> str:
    """Comma, semicolon (Excel in many European locales) or tab: the most frequent one in the
    first non-empty line, which is the header (names never contain them)."""
    sample = stream.read(1 << 16).decode(encoding, errors="ignore")
    stream.seek(0)
    for line in sample.splitlines():
        if line.strip().strip(_INVISIBLE):
            return max((",", ";", "\t"), key=line.count)
    return ","


def _csv_rows(stream: IO[bytes]) -> Rows:
    encoding = _encoding(stream)
    delimiter = _delimiter(stream, encoding)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=delimiter, skipinitialspace=True)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, cells
    except csv.Error as exc:
        raise SourceError(
            _("Row %(row)s cannot be read as CSV: %(reason)s.") % {"row": number + 1, "reason": exc}
        ) from None
    finally:
        text.detach()


def _xlsx_rows(stream: IO[bytes]) -> Rows:
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "no default style" from other generators
            book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception:  # any failure reading an untrusted file is a message for the user
        raise SourceError(
            _(
                "The file is a ZIP archive but not an Excel workbook (.xlsx) that can be read. "
                "Save it from Excel as an Excel workbook or as CSV UTF-8."
            )
        ) from None
    try:
        sheets = book.worksheets
        if not sheets:
            raise SourceError(_("The workbook has no worksheet."))
        named = [s for s in sheets if s.title.strip().lower() == "surgeries"]
        sheet = named[0] if named else sheets[0]
        # The <dimension> some generators write is wrong; read what is there instead.
        sheet.reset_dimensions()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, list(cells)
    except SourceError:
        raise
    except Exception:  # any failure reading an untrusted file is a message for the user
        raise SourceError(
            _("The workbook is damaged and cannot be read. Save it again from Excel.")
        ) from None
    finally:
        book.close()


# --- importing ------------------------------------------------------------------------------------
def _letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class _Row:
    """One data row as read: field values and lookups of the columns the file has."""

    number: int
    source_id: str = ""
    mrn: str = ""
    icd10: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    oprep: dict[str, bool | None] = field(default_factory=dict)
    children: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)


@dataclass
class _Ready:
    """A checked row waiting to be written. ``kids``: all children of a new surgery, or the
    lists an update replaces."""

    surgery: Surgery
    kids: dict[str, list[Any]]
    new: bool
    changes: dict[str, list[Any]] = field(default_factory=dict)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _messages(error: ValidationError) -> dict[str, str]:
    if hasattr(error, "error_dict"):
        return {
            _FIELD_COLUMN.get(name, name): " ".join(
                str(m) for e in errors for m in ValidationError(e).messages
            )
            for name, errors in error.error_dict.items()
        }
    return {"": " ".join(str(m) for m in error.messages)}


#: Field types whose validation depends on the value alone (no other field, no database):
#: a value they accepted once, they accept again, so the result can be remembered.
_PURE_FIELDS = (
    models.CharField,
    models.IntegerField,
    models.BooleanField,
    models.DateField,
    models.DecimalField,
)


class _FieldCheck:
    """``Model.clean_fields`` for chosen fields, remembering results per field and value.

    The same codes, dates, names and numbers recur on most rows of a large file; running
    their validators again would give the same answer. Values of other field types (JSON)
    are checked every time. The memory is bounded: it is emptied when it grows large.
    """

    LIMIT = 200_000

    def __init__(self) -> None:
        self.memo: dict[tuple[int, type, Any], Any] = {}

    def clean(self, instance: Any, fields: Iterable[Any]) -> dict[str, str]:
        """Clean ``fields`` of ``instance`` in place; the problems, by field name."""
        errors: dict[str, str] = {}
        memo = self.memo
        for f in fields:
            raw = getattr(instance, f.attname)
            if f.blank and raw in f.empty_values:
                continue
            pure = isinstance(f, _PURE_FIELDS)
            # Exact: True is not 1, and 5.00 (two places) is not 5.0 although they are equal.
            key = (id(f), type(raw), str(raw) if type(raw) is Decimal else raw)
            if pure:
                found = memo.get(key, memo)
                if found is not memo:
                    if isinstance(found, _Invalid):
                        errors[f.name] = found.message
                    else:
                        setattr(instance, f.attname, found)
                    continue
            try:
                cleaned = f.clean(raw, instance)
            except ValidationError as exc:
                message = " ".join(str(m) for m in exc.messages)
                errors[f.name] = message
                if pure:
                    self.remember(key, _Invalid(message))
                continue
            setattr(instance, f.attname, cleaned)
            if pure:
                self.remember(key, cleaned)
        return errors

    def remember(self, key: tuple[int, type, Any], value: Any) -> None:
        if len(self.memo) >= self.LIMIT:
            self.memo.clear()
        self.memo[key] = value


@dataclass(frozen=True)
class _Invalid:
    message: str


class _Maker:
    """Builds model instances from a template of every concrete field's value with the row's
    values put in place, without Model.__init__: its per-field descriptor calls cost more than
    all the checks of a row together, a million times over. Safe because these models have no
    init signals and every value is a plain column value (foreign keys by their ``_id``)."""

    def __init__(self, model: type[Any], fixed: dict[str, Any]) -> None:
        self.model = model
        self.template = {
            f.attname: (
                fixed[f.attname]
                if f.attname in fixed
                else (None if f.primary_key else f.get_default())
            )
            for f in model._meta.concrete_fields
        }
        #: Defaults such as JSONField(default=dict): each instance gets its own.
        self.mutable = [k for k, v in self.template.items() if isinstance(v, dict | list)]

    def __call__(self, values: dict[str, Any]) -> Any:
        instance: Any = object.__new__(self.model)
        state = instance.__dict__
        state.update(self.template)
        for name in self.mutable:
            state[name] = copy.copy(state[name])
        state.update(values)
        instance._state = ModelState()
        return instance


class _Importer:
    """One import: header, rows checked chunk by chunk, bulk writes while nothing is wrong."""

    def __init__(self, actor: Any, center: Center, report: TabularReport) -> None:
        self.actor = actor
        self.center = center
        self.report = report
        self.user = getattr(actor, "user", None)
        self.user_id = getattr(self.user, "pk", None)
        self.now = timezone.now()
        self.today = timezone.localdate()
        #: (index in the row, column, its parser, where the value goes)
        self.plan: list[tuple[int, Column, Callable[[Column, Any, str], Any], str]] = []
        self.width = 0
        self.present: set[str] = set()
        self.fields: list[str] = []
        self.exclude: set[str] = set()
        self.seen: dict[str, int] = {}
        self.audit: list[dict[str, Any]] = []
        stamps = {
            "created_at": self.now,
            "updated_at": self.now,
            "created_by_id": self.user_id,
            "updated_by_id": self.user_id,
        }
        self.make_surgery = _Maker(Surgery, {**stamps, "center_id": center.pk})
        self.makers = {name: _Maker(model, stamps) for name, model in _CHILD_MODELS.items()}
        self.child_fields = {
            name: {f.name: f for f in model._meta.concrete_fields}
            for name, model in _CHILD_MODELS.items()
        }
        self.check_fields = _FieldCheck()
        self.surgery_fields: list[Any] = []

    # -- the header ---------------------------------------------------------------------------
    def header(self, number: int, cells: list[Any]) -> bool:
        names = [re.sub(r"[\s\-]+", "_", _text(c).lower()) for c in cells]
        unknown = [n for n in names if n and n not in _BY_NAME]
        twice = sorted({n for n in names if n and names.count(n) > 1})
        missing = [c.name for c in COLUMNS if c.required and c.name not in names]
        expected = ", ".join(c.name for c in COLUMNS)
        if unknown:
            self.report.add(
                number,
                ", ".join(unknown),
                _("Unknown column(s): %(unknown)s. The columns are: %(expected)s.")
                % {"unknown": ", ".join(unknown), "expected": expected},
            )
        if missing:
            self.report.add(
                number,
                ", ".join(missing),
                _("Required column(s) missing: %(missing)s. The columns are: %(expected)s.")
                % {"missing": ", ".join(missing), "expected": expected},
            )
        for name in twice:
            self.report.add(number, name, _("This column appears more than once in the header."))
        if not self.report.ok:
            return False
        self.width = len(names)
        targets = {"id": "source_id", "mrn": "mrn", "icd10": "icd10", "oprep": "oprep"}
        for index, name in enumerate(names):
            if name:
                column = _BY_NAME[name]
                target = targets.get(column.kind, "child" if column.kind in _CHILD_MODELS else "")
                self.plan.append((index, column, _PARSERS[column.kind], target))
        self.present = {c.name for _i, c, _p, _t in self.plan}
        self.fields = [c.field for _i, c, _p, _t in self.plan if c.field]
        if any(c.kind == "oprep" for _i, c, _p, _t in self.plan):
            self.fields.append("operative_report")
        # Only what the file sets is checked: the rest keeps a valid default or stored value.
        # Relations are resolved here, by lookups in bulk, not one query per row and field.
        self.exclude = {
            f.name for f in Surgery._meta.fields if f.name not in self.fields or f.is_relation
        }
        self.surgery_fields = [
            f for f in Surgery._meta.fields if f.name not in self.exclude and not f.generated
        ]
        return True

    # -- one row ------------------------------------------------------------------------------
    def parse(self, number: int, cells: list[Any]) -> _Row | None:
        """The row's values, or None for an empty row."""
        row = _Row(number)
        problems = row.problems
        filled = False
        count = len(cells)
        for index in range(self.width, count):
            if _text(cells[index]):
                problems[""] = _(
                    "There is a value in column %(letter)s, which has no header (a CSV value "
                    "containing the delimiter needs quotes)."
                ) % {"letter": _letter(index)}
                filled = True
                break
        today = self.today
        for index, column, parser, target in self.plan:
            value = cells[index] if index < count else None
            text = _text(value)
            parsed: Any
            if not text:
                if column.required:
                    problems[column.name] = _("This column is required.")
                    continue
                parsed = [] if target == "child" else column.empty
            else:
                filled = True
                try:
                    parsed = parser(column, value, text)
                except _CellError as exc:
                    problems[column.name] = str(exc)
                    continue
                if column.kind == "date":
                    if parsed > today:
                        problems[column.name] = _("This date is in the future.")
                        continue
                    if parsed.year < 1900:
                        problems[column.name] = _("Enter a date after 1900.")
                        continue
            if not target:
                row.values[column.field] = parsed
            elif target == "child":
                row.children[column.kind] = parsed
            elif target == "source_id":
                row.source_id = parsed
            elif target == "mrn":
                row.mrn = parsed
            elif target == "icd10":
                row.icd10 = parsed
            else:
                row.oprep[column.name[6:]] = parsed
        if not filled:
            return None
        if len(row.source_id) > 200:
            problems["source_id"] = _("At most 200 characters.")
        return row

    # -- a chunk of rows ----------------------------------------------------------------------
    def process(self, rows: list[_Row]) -> None:
        patients = self._patients(rows)
        conditions = (
            self._conditions(patients.values()) if "condition_icd10" in self.present else {}
        )
        existing, voided = self._existing(rows)
        stored = self._stored_children([s.pk for s in existing.values()])
        ready: list[_Ready] = []
        for row in rows:
            checked = self._check(row, patients, conditions, existing, voided, stored)
            if checked is not None:
                ready.append(checked)
        if self.report.ok and ready:
            self._write(ready)

    def _patients(self, rows: list[_Row]) -> dict[str, Patient]:
        mrns = {r.mrn for r in rows if r.mrn}
        return {
            p.mrn: p
            for p in Patient.objects.filter(center=self.center, voided=False, mrn__in=mrns).only(
                "id", "mrn", "center_id"
            )
        }

    def _conditions(self, patients: Iterable[Patient]) -> dict[int, list[tuple[Any, ...]]]:
        found: dict[int, list[tuple[Any, ...]]] = {}
        rows = Condition.objects.filter(
            patient_id__in=[p.pk for p in patients], voided=False
        ).values_list("id", "patient_id", "icd10", "role", "diagnosed_on")
        for pk, patient_id, icd10, role, diagnosed in rows:
            code = (icd10 or "").upper().replace(".", "")
            # Primary diagnoses first, then the most recent: the one an ambiguous code means.
            rank = (role != "primary", -(diagnosed.toordinal() if diagnosed else 0), pk)
            found.setdefault(patient_id, []).append((rank, code, pk))
        for options in found.values():
            options.sort()
        return found

    def _existing(self, rows: list[_Row]) -> tuple[dict[str, Surgery], set[str]]:
        """Surgeries already imported with these source ids: the current version of each (an
        amendment rather than the signed original it supersedes), and ids only voided ones
        have."""
        keys = {r.source_id for r in rows if r.source_id}
        if not keys:
            return {}, set()
        found = list(
            Surgery.objects.select_for_update().filter(center=self.center, source_key__in=keys)
        )
        superseded = {s.amends_id for s in found if not s.voided and s.amends_id}
        current: dict[str, Surgery] = {}
        for surgery in sorted(found, key=lambda s: s.pk):
            if not surgery.voided and surgery.pk not in superseded:
                surgery.center = self.center
                current[surgery.source_key] = surgery
        voided = {s.source_key for s in found if s.voided} - set(current)
        return current, voided

    def _stored_children(
        self, surgery_ids: list[int]
    ) -> dict[str, dict[int, Counter[tuple[Any, ...]]]]:
        """What the existing surgeries' lists hold, as comparable keys (no instances)."""
        out: dict[str, dict[int, Counter[tuple[Any, ...]]]] = {n: {} for n in _CHILD_MODELS}
        if not surgery_ids:
            return out
        for name, model in _CHILD_MODELS.items():
            rows = model.objects.filter(surgery_id__in=surgery_ids, voided=False).values_list(
                "surgery_id", *_CHILD_KEYS[name]
            )
            for surgery_id, *key in rows:
                out[name].setdefault(surgery_id, Counter())[tuple(key)] += 1
        return out

    def _condition(self, row: _Row, patient: Patient, conditions: dict[int, Any]) -> int | None:
        wanted = (row.icd10 or "").replace(".", "")
        options = conditions.get(patient.pk, [])
        for _rank, code, pk in options:
            if code == wanted:
                return int(pk)
        for _rank, code, pk in options:
            if code.startswith(wanted):
                return int(pk)
        return None

    def _check(
        self,
        row: _Row,
        patients: dict[str, Patient],
        conditions: dict[int, Any],
        existing: dict[str, Surgery],
        voided: set[str],
        stored: dict[str, dict[int, Counter[tuple[Any, ...]]]],
    ) -> _Ready | None:
        problems = row.problems
        if row.source_id:
            first = self.seen.setdefault(row.source_id, row.number)
            if first != row.number:
                problems.setdefault(
                    "source_id",
                    _("This source_id appears twice in the file (also in row %(row)s).")
                    % {"row": first},
                )
            elif row.source_id in voided:
                problems.setdefault(
                    "source_id",
                    _(
                        "The surgery with this source_id was voided. Remove the row, or give "
                        "it a new source_id if it is a different operation."
                    ),
                )
        patient = patients.get(row.mrn)
        if row.mrn and patient is None:
            hint = (
                _(" If the number has leading zeros, format the column as text in Excel.")
                if row.mrn.isdigit()
                else ""
            )
            problems.setdefault(
                "mrn",
                _("No patient with this MRN at %(center)s.") % {"center": self.center.code} + hint,
            )
        condition_id = None
        if row.icd10 and patient is not None:
            condition_id = self._condition(row, patient, conditions)
            if condition_id is None:
                problems.setdefault(
                    "condition_icd10",
                    _("The patient has no recorded condition with ICD-10 code %(code)s.")
                    % {"code": row.icd10},
                )
        surgery = existing.get(row.source_id)
        if surgery is not None and patient is not None and surgery.patient_id != patient.pk:
            problems.setdefault(
                "mrn",
                _(
                    "The surgery with this source_id is another patient's; a source_id "
                    "names one operation."
                ),
            )
            patient = None
        new = surgery is None
        before: dict[str, Any] = {}
        if surgery is None:
            values = dict(row.values)
            values["source_key"] = row.source_id
            values["operative_report"] = {k: v for k, v in row.oprep.items() if v is not None}
            if row.icd10 is not None:
                values["condition_id"] = condition_id
            surgery = self.make_surgery(values)
        else:
            before = {name: getattr(surgery, name) for name in self.fields}
            before["condition_id"] = surgery.condition_id
            for name, value in row.values.items():
                setattr(surgery, name, value)
            if row.oprep:
                report = dict(surgery.operative_report or {})
                for key, value in row.oprep.items():
                    if value is None:
                        report.pop(key, None)
                    else:
                        report[key] = value
                surgery.operative_report = report
            if row.icd10 is not None:
                surgery.condition_id = condition_id
        if patient is not None:
            surgery.patient = patient
        for name, message in self.check_fields.clean(surgery, self.surgery_fields).items():
            problems.setdefault(_FIELD_COLUMN.get(name, name), message)
        if patient is not None or surgery.patient_id is None:
            try:
                surgery.clean()
            except ValidationError as exc:
                for column, message in _messages(exc).items():
                    problems.setdefault(column, message)
        kids = self._kids(row, surgery, problems)
        if problems:
            self._reject(row.number, problems)
            return None
        if new:
            return _Ready(surgery, kids, new=True)
        return self._changed(row, surgery, before, kids, stored)

    def _kids(self, row: _Row, surgery: Surgery, problems: dict[str, str]) -> dict[str, list[Any]]:
        """The row's procedures, team and complications as model instances, each checked by
        its model's field rules (the entry's own fields: the rest are set here) and clean()."""
        kids: dict[str, list[Any]] = {name: [] for name in _CHILD_MODELS}
        for name, entries in row.children.items():
            make, fields, made = self.makers[name], self.child_fields[name], kids[name]
            for number, entry in enumerate(entries, start=1):
                skip_specialty = False
                if name == "team" and entry["specialty"] is None:
                    entry = {**entry, "specialty": surgery.specialty}
                    skip_specialty = not surgery.specialty  # the row's specialty is reported
                child = make(entry)
                checked = [
                    fields[part] for part in entry if not (skip_specialty and part == "specialty")
                ]
                errors = self.check_fields.clean(child, checked)
                try:
                    child.clean()
                except ValidationError as exc:
                    errors.update(_messages(exc))
                for part, message in errors.items():
                    problems.setdefault(
                        name,
                        _("entry %(number)s (%(part)s): %(message)s")
                        % {"number": number, "part": part, "message": message},
                    )
                made.append(child)
        return kids

    def _changed(
        self,
        row: _Row,
        surgery: Surgery,
        before: dict[str, Any],
        kids: dict[str, list[Any]],
        stored: dict[str, dict[int, Counter[tuple[Any, ...]]]],
    ) -> _Ready | None:
        changes = {
            name: [_jsonable(old), _jsonable(getattr(surgery, name))]
            for name, old in before.items()
            if old != getattr(surgery, name)
        }
        replaced = {}
        for name in row.children:
            keys = Counter(tuple(getattr(c, k) for k in _CHILD_KEYS[name]) for c in kids[name])
            if keys != stored[name].get(surgery.pk, Counter()):
                replaced[name] = kids[name]
        if not changes and not replaced:
            self.report.unchanged += 1
            return None
        columns = sorted(
            {_FIELD_COLUMN.get(n, n) for n in changes} | set(replaced), key=_column_order
        )
        if surgery.signed_at is not None:
            self._reject(
                row.number,
                {
                    "source_id": _(
                        "This surgery is signed; amend instead (the file changes: %(columns)s)."
                    )
                    % {"columns": ", ".join(columns)}
                },
            )
            return None
        try:
            access.authorize(self.actor, Surgery, Action.CHANGE, surgery)
        except access.Forbidden:
            self._reject(row.number, {"source_id": _("You may not change this surgery.")})
            return None
        return _Ready(surgery, replaced, new=False, changes=changes)

    def _reject(self, number: int, problems: dict[str, str]) -> None:
        self.report.bad_rows += 1
        for column in sorted(problems, key=_column_order):
            self.report.add(number, column, problems[column])

    # -- writing ------------------------------------------------------------------------------
    def _write(self, ready: list[_Ready]) -> None:
        """Surgeries, then their children, then the derived facts: each in bulk."""
        created = [r for r in ready if r.new]
        updated = [r for r in ready if not r.new]
        _insert_surgeries([r.surgery for r in created])
        if updated:
            self._update(updated)
        for name, model in _CHILD_MODELS.items():
            columns = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
            rows = []
            for item in ready:
                surgery_id = item.surgery.pk
                for child in item.kids.get(name, ()):
                    child.surgery_id = surgery_id
                    values = child.__dict__  # every column, set at construction
                    rows.append({c: values[c] for c in columns})
            insert_rows(model, rows)
        facts = [
            services.derive_facts(
                r.surgery, r.kids["procedures"], r.kids["team"], r.kids["complications"], self.today
            )
            for r in created
        ]
        # The facts' primary key is their surgery: rows that carry an "id" have insert_rows
        # write the primary-key column too.
        insert_rows(
            SurgeryFacts,
            [{"id": f.surgery_id, **{a: getattr(f, a) for a in _FACT_COLUMNS}} for f in facts],
        )
        if updated:
            services.refresh_facts(r.surgery.pk for r in updated)
        self.report.created += len(created)
        self.report.updated += len(updated)

    def _update(self, updated: list[_Ready]) -> None:
        """Changed unsigned surgeries: fields in bulk, replaced lists voided (never deleted;
        the new entries are inserted with the rest), and one audit event each with the
        changes, as every other change has."""
        changed = {name for r in updated for name in r.changes}
        for item in updated:
            item.surgery.version += 1
            item.surgery.updated_at = self.now
            item.surgery.updated_by_id = self.user_id
        Surgery.objects.bulk_update(
            [r.surgery for r in updated],
            sorted(changed | {"version", "updated_at", "updated_by"}),
            batch_size=500,
        )
        for name, model in _CHILD_MODELS.items():
            ids = [r.surgery.pk for r in updated if name in r.kids]
            if ids:
                model.objects.filter(surgery_id__in=ids, voided=False).update(
                    voided=True,
                    voided_at=self.now,
                    voided_by_id=self.user_id,
                    void_reason=_("Replaced by a registry file import."),
                    version=F("version") + 1,
                    updated_at=self.now,
                    updated_by_id=self.user_id,
                )
        for item in updated:
            self.audit.append(
                {
                    "action": AuditAction.UPDATE,
                    "entity_type": Surgery._meta.label_lower,
                    "entity_id": item.surgery.pk,
                    "patient_id": item.surgery.patient_id,
                    "institution_id": self.center.institution_id,
                    "center_id": self.center.pk,
                    "detail": {
                        "import": self.report.name,
                        "changes": item.changes,
                        "replaced": sorted(item.kids, key=_column_order),
                    },
                }
            )

    def journal(self) -> None:
        """One event for the import with its counts (and one per updated surgery, with what
        changed: an update must say before and after, as every other change does)."""
        summary = {
            "action": AuditAction.CREATE,
            "entity_type": Surgery._meta.label_lower,
            "entity_id": "",
            "institution_id": self.center.institution_id,
            "center_id": self.center.pk,
            "detail": {
                "import": self.report.name,
                "format": self.report.format,
                "rows": self.report.rows,
                "created": self.report.created,
                "updated": self.report.updated,
                "unchanged": self.report.unchanged,
            },
        }
        write_events(self.actor, [summary, *self.audit])

    # -- the whole file -----------------------------------------------------------------------
    def run(self, rows: Rows) -> None:
        chunk: list[_Row] = []
        header = False
        for number, cells in rows:
            if not header:
                if _blank(cells):
                    continue
                if not self.header(number, cells):
                    return
                header = True
                continue
            row = self.parse(number, cells)
            if row is None:
                continue
            self.report.rows += 1
            chunk.append(row)
            if len(chunk) >= CHUNK_ROWS:
                self.process(chunk)
                chunk = []
        if not header:
            raise SourceError(_("The file is empty."))
        if chunk:
            self.process(chunk)
        if not self.report.rows and self.report.ok:
            self.report.fail(_("The file has a header but no rows below it."))


_FACT_COLUMNS = [f.attname for f in SurgeryFacts._meta.concrete_fields]


def _insert_surgeries(surgeries: list[Surgery]) -> None:
    """Insert new surgeries and give them their ids (their children and facts refer to them).

    PostgreSQL: ``insert_objects`` draws the ids from the sequence and copies the rows in.
    SQLite: the ids are allocated here, after the highest id the table has had, so the rows
    go in through the same fast ``insert_rows`` instead of ``bulk_create``'s SQL compiler.
    That is safe because the import runs in one transaction and SQLite transactions are
    IMMEDIATE here (settings): no other writer can insert between the read and the write.
    """
    if not surgeries:
        return
    if connection.vendor != "sqlite":
        insert_objects(Surgery, surgeries)
        return
    table = Surgery._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        sequence = cursor.fetchone()
    start = max(highest, sequence[0] if sequence else 0) + 1
    for pk, surgery in enumerate(surgeries, start=start):
        surgery.pk = pk
    insert_rows(Surgery, [{a: s.__dict__[a] for a in _SURGERY_COLUMNS} for s in surgeries])
    for surgery in surgeries:
        surgery._state.adding = False


_SURGERY_COLUMNS = [f.attname for f in Surgery._meta.concrete_fields]


def _column_order(name: str) -> int:
    if name == "oprep_*":
        return _ORDER["oprep_peritoneal_extent"]
    return _ORDER.get(name, -1)


#: SQLite page cache for an import's duration (KiB). Inserting a million surgeries touches ten
#: indexes in random order; with SQLite's default 2 MiB cache every insert misses and spills
#: pages, and the import slows as the tables grow. The cache grows only as far as it is used.
SQLITE_CACHE_KIB = 256 * 1024


@contextmanager
def _import_cache() -> Iterator[None]:
    """A large SQLite page cache while importing, the connection's own setting restored
    after (nothing to do on PostgreSQL, whose buffers are the server's)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {previous}")


def _import(actor: Any, center: Center, name: str, stream: IO[bytes], size: int) -> TabularReport:
    access.authorize(actor, Surgery, Action.ADD, Surgery(center=center))
    report = TabularReport(name=name)
    if size == 0:
        report.fail(_("The file is empty."))
        return report
    if size > max_bytes():
        report.fail(
            _("The file is %(size)s bytes; the limit is %(limit)s bytes. Split it into parts.")
            % {"size": f"{size:,}", "limit": f"{max_bytes():,}"}
        )
        return report
    try:
        report.format, rows = _open(stream)
    except SourceError as exc:
        report.fail(str(exc))
        return report
    importer = _Importer(actor, center, report)
    with _import_cache(), transaction.atomic():
        try:
            importer.run(rows)
        except SourceError as exc:
            report.fail(str(exc))
        except OSError as exc:  # the file went away or the disk failed while reading
            report.fail(
                _("The file cannot be read: %(reason)s.") % {"reason": exc.strerror or str(exc)}
            )
        finally:
            rows.close()  # the reader lets go of the file here, not when collected
        if report.ok:
            importer.journal()
        else:
            report.created = report.updated = report.unchanged = 0
            transaction.set_rollback(True)
    return report


def import_bytes(actor: Any, center: Center, name: str, data: bytes) -> TabularReport:
    """Import an uploaded CSV or XLSX file (``name`` only labels messages; the content decides
    the format). Raises ``access.Forbidden`` if the actor may not add surgeries at ``center``;
    every other problem is in the report, and then nothing was stored."""
    return _import(actor, center, name, io.BytesIO(data), len(data))


def import_file(actor: Any, center: Center, path: Path) -> TabularReport:
    """Import a CSV or XLSX file from disk, read as a stream (see ``import_bytes``)."""
    path = Path(path)
    try:
        stream = path.open("rb")
    except OSError as exc:
        access.authorize(actor, Surgery, Action.ADD, Surgery(center=center))
        report = TabularReport(name=path.name)
        report.fail(
            _("The file cannot be read: %(reason)s.") % {"reason": exc.strerror or str(exc)}
        )
        return report
    with stream:
        return _import(actor, center, path.name, stream, os.fstat(stream.fileno()).st_size)


# --- the dictionary and templates -----------------------------------------------------------------
def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table() -> str:
    """The column table of ``docs/registry-data-dictionary.md`` (English), from ``COLUMNS``."""
    with translation.override("en"):
        lines = [
            "| column | required | type | allowed values | meaning | example |",
            "|---|---|---|---|---|---|",
        ]
        for c in COLUMNS:
            example = f"`{_cell(c.example)}`" if c.example else "(empty)"
            lines.append(
                f"| `{c.name}` | {'yes' if c.required else 'no'} | {c.type_label} | "
                f"{_cell(c.allowed)} | {_cell(c.describe())} | {example} |"
            )
    return "\n".join(lines) + "\n"


def template_csv() -> bytes:
    """A CSV template: the header and one example row, UTF-8 with a BOM so that Excel opens
    Korean text correctly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.name for c in COLUMNS])
    writer.writerow([c.example for c in COLUMNS])
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def template_xlsx() -> bytes:
    """An XLSX template: a "surgeries" sheet (header, one example row, text-formatted id
    columns so MRNs keep their leading zeros) and a "dictionary" sheet describing each column."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "surgeries"
    sheet.append([c.name for c in COLUMNS])
    sheet.append([c.example for c in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        if column.kind in ("id", "mrn"):
            # Text, so that what is typed in later rows keeps its leading zeros.
            sheet.column_dimensions[get_column_letter(index)].number_format = "@"
            sheet.cell(row=2, column=index).number_format = "@"
    dictionary = book.create_sheet("dictionary")
    dictionary.append(["column", "required", "type", "allowed values", "meaning", "example"])
    for c in COLUMNS:
        dictionary.append(
            [
                c.name,
                "yes" if c.required else "no",
                c.type_label,
                c.allowed,
                c.describe(),
                c.example,
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
