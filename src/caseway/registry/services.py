"""Registry operations: record a surgery with its rows, sign it, amend it, keep its facts.

Every write goes through the access gate and ``versioning`` (who, when, before and after).
The derived facts (scores, outcome flags) are recomputed here whenever a surgery or one of its
rows changes, so nothing derived is ever typed or left stale.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from caseway.core import access, journal, versioning
from caseway.core.access import Action
from caseway.registry import scores
from caseway.registry.choices import ROBOTIC_APPROACHES, TeamRole, Timing
from caseway.registry.models import (
    Complication,
    Procedure,
    Surgery,
    SurgeryFacts,
    TeamMember,
)

#: First-line cytoreductions (ESGO QI 1): primary and interval, not surgery for recurrence.
ESGO_TIMINGS = frozenset({Timing.PRIMARY, Timing.INTERVAL})
CHILD_MODELS: tuple[type[Any], ...] = (Procedure, TeamMember, Complication)


# --- derived facts --------------------------------------------------------------------------------
def _primary(team: Sequence[Any]) -> Any:
    """The primary surgeon, or for a robotic case without one named, the console surgeon."""
    for role in (TeamRole.PRIMARY, TeamRole.CONSOLE):
        for member in team:
            if member.role == role:
                return member
    return None


def _outcome(happened: bool, surgery_date: dt.date, days: int, today: dt.date) -> bool | None:
    """True/False once the follow-up window has passed (or the event happened); None before."""
    if happened:
        return True
    return False if today >= surgery_date + dt.timedelta(days=days) else None


def derive_facts(
    surgery: Surgery,
    procedures: Sequence[Procedure],
    team: Sequence[TeamMember],
    complications: Sequence[Complication],
    today: dt.date,
    current: bool = True,
) -> SurgeryFacts:
    """The engine's view of one surgery. Scores come from ``scores``; nothing here is typed."""
    primary = _primary(team)
    procedures = [p for p in procedures if not p.voided]
    complications = [c for c in complications if not c.voided]
    groups = sorted({p.aletti_group for p in procedures if p.aletti_group})
    death_days = scores.days_between(surgery.date, surgery.death_date)
    major_30 = any(c.day <= 30 and scores.is_major(c.grade) for c in complications)
    died_30 = death_days is not None and death_days <= 30
    pci = None
    if surgery.pci_intraop:
        pci = scores.pci_total(surgery.pci_intraop)
    residual = (
        None
        if surgery.residual_mm is None
        else scores.residual_category(float(surgery.residual_mm))
    )
    return SurgeryFacts(
        surgery_id=surgery.pk,
        center_id=surgery.center_id,
        year=surgery.date.year,
        date=surgery.date,
        current=current and not surgery.voided,
        primary_surgeon=primary.name.strip() if primary else None,
        primary_surgeon_specialty=primary.specialty if primary else None,
        aoc_cytoreduction=surgery.advanced_ovarian and surgery.timing in ESGO_TIMINGS,
        aoc_surgery=surgery.advanced_ovarian and surgery.timing != Timing.NOT_APPLICABLE,
        timing=surgery.timing or None,
        residual=residual,
        robotic=surgery.approach in ROBOTIC_APPROACHES,
        approach=surgery.approach,
        procedure_group=surgery.procedure_group,
        converted=bool(surgery.converted_to),
        proctored=any(m.role in (TeamRole.PROCTOR, TeamRole.SUPERVISOR) for m in team),
        in_trial=surgery.in_trial,
        mdt_discussed=surgery.mdt_discussed,
        preop_workup_complete=surgery.preop_workup_complete,
        operative_report_complete=surgery.operative_report_complete,
        pathology_report_complete=surgery.pathology_report_complete,
        complications_prospective=surgery.complications_prospective,
        death_30d=_outcome(died_30, surgery.date, 30, today),
        death_90d=_outcome(death_days is not None and death_days <= 90, surgery.date, 90, today),
        major_morbidity_30d=_outcome(major_30 or died_30, surgery.date, 30, today),
        days_to_chemo=scores.days_between(surgery.date, surgery.adjuvant_chemo_start),
        aletti_score=scores.aletti_score(groups) if groups else None,
        cci=scores.comprehensive_complication_index(c.graded for c in complications),
        pci=pci,
    )


def refresh_facts(surgery_ids: Iterable[int]) -> int:
    """Recompute the facts of these surgeries (three queries for the rows, one write)."""
    ids = list(set(surgery_ids))
    if not ids:
        return 0
    children: dict[type[Any], dict[int, list[Any]]] = {}
    for model in CHILD_MODELS:
        rows: dict[int, list[Any]] = defaultdict(list)
        for row in model.objects.filter(surgery_id__in=ids, voided=False):
            rows[row.surgery_id].append(row)
        children[model] = rows
    superseded = set(
        Surgery.objects.filter(amends_id__in=ids, voided=False).values_list("amends_id", flat=True)
    )
    today = timezone.localdate()
    facts = [
        derive_facts(
            surgery,
            children[Procedure][surgery.pk],
            children[TeamMember][surgery.pk],
            children[Complication][surgery.pk],
            today,
            current=surgery.pk not in superseded,
        )
        for surgery in Surgery.objects.filter(pk__in=ids)
    ]
    with transaction.atomic():
        SurgeryFacts.objects.filter(surgery_id__in=ids).delete()
        SurgeryFacts.objects.bulk_create(facts, batch_size=2000)
    return len(facts)


def refresh_open_follow_up(center_id: int | None = None, recent_days: int | None = None) -> int:
    """Re-derive surgeries whose 30- or 90-day window has closed since they were derived (each
    surgery at most twice), so outcomes move from unknown to known without anyone typing.

    Pages pass a center and ``recent_days`` (a window that stays on the indexes); the nightly
    ``caseway registry refresh`` passes neither and catches up on everything.
    """
    today = timezone.localdate()
    closed = SurgeryFacts.objects.filter(
        Q(death_30d__isnull=True, date__lte=today - dt.timedelta(days=30))
        | Q(death_90d__isnull=True, date__lte=today - dt.timedelta(days=90))
    )
    if center_id is not None:
        closed = closed.filter(center_id=center_id)
    if recent_days is not None:
        since = today - dt.timedelta(days=recent_days)
        closed = closed.filter(year__gte=since.year, date__gte=since)
    return refresh_facts(closed.values_list("surgery_id", flat=True))


def _keep_facts(sender: type[Any], instance: Any, raw: bool = False, **_kwargs: Any) -> None:
    if raw:
        return
    surgery_id = instance.pk if sender is Surgery else instance.surgery_id
    refresh_facts([surgery_id])
    if sender is Surgery and instance.amends_id:
        refresh_facts([instance.amends_id])


_SIGNALLED: tuple[type[Any], ...] = (Surgery, *CHILD_MODELS)
for _model in _SIGNALLED:
    post_save.connect(_keep_facts, sender=_model, dispatch_uid=f"registry-facts-{_model.__name__}")


# --- recording ------------------------------------------------------------------------------------
def _full_clean(obj: Any, exclude: Sequence[str] = ()) -> None:
    obj.full_clean(exclude=list(exclude), validate_unique=False)


@transaction.atomic
def record_surgery(
    actor: Any,
    surgery: Surgery,
    procedures: Sequence[Procedure] = (),
    team: Sequence[TeamMember] = (),
    complications: Sequence[Complication] = (),
) -> Surgery:
    """Store a surgery with its rows, all validated first, all or nothing."""
    access.authorize(actor, Surgery, Action.ADD, surgery)
    _full_clean(surgery)
    for row in (*procedures, *team, *complications):
        _full_clean(row, exclude=["surgery"])
    versioning.create(actor, surgery)
    rows: tuple[Any, ...] = (*procedures, *team, *complications)
    for row in rows:
        row.surgery = surgery
        versioning.create(actor, row)
    return surgery


@transaction.atomic
def sign(actor: Any, surgery: Surgery, expected_version: int) -> Surgery:
    """Sign a surgery record: from now on it is immutable and changed only by amendment."""
    access.authorize(actor, Surgery, Action.SIGN, surgery)
    _full_clean(surgery)
    if not surgery.team.filter(voided=False).exists():
        raise ValidationError(_("Name the surgical team before signing."))
    signed = versioning.update(
        actor,
        surgery,
        expected_version,
        {"signed_at": timezone.now(), "signed_by": getattr(actor, "user", None)},
    )
    journal.record(actor, "sign", obj=signed)
    return signed


@transaction.atomic
def amend(actor: Any, original: Surgery, changes: dict[str, Any], reason: str) -> Surgery:
    """Correct a signed record: a new signed record that names the original, which stays as it
    was. Its procedures, team and complications are carried over (voided rows are not)."""
    if original.signed_at is None:
        raise ValidationError(_("Only a signed record is amended; edit this one directly."))
    if not reason.strip():
        raise ValidationError({"amendment_reason": _("Say why the record is amended.")})
    if original.amendments.filter(voided=False).exists():
        raise ValidationError(_("This record was already amended; amend the latest version."))
    access.authorize(actor, Surgery, Action.SIGN, unsigned_copy(original))
    amended = unsigned_copy(original)
    for name, value in changes.items():
        setattr(amended, name, value)
    amended.amends = original
    amended.amendment_reason = reason.strip()
    amended.signed_at = timezone.now()
    amended.signed_by = getattr(actor, "user", None)
    _full_clean(amended)
    versioning.create(actor, amended)
    for model in CHILD_MODELS:
        for row in model.objects.filter(surgery=original, voided=False):
            row.pk = None
            row.surgery = amended
            row.version = 1
            versioning.create(actor, row)
    refresh_facts([original.pk, amended.pk])
    journal.record(actor, "amend", obj=amended, detail={"amends": original.pk, "reason": reason})
    return amended


def unsigned_copy(surgery: Surgery) -> Surgery:
    copy = Surgery.objects.get(pk=surgery.pk)
    copy.pk = None
    copy.version = 1
    copy.signed_at = None
    copy.signed_by = None
    return copy


def history(surgery: Surgery) -> list[Surgery]:
    """The record and every version before it, newest first (an amendment chain)."""
    chain = [surgery]
    while chain[-1].amends_id:
        chain.append(Surgery.objects.get(pk=chain[-1].amends_id))
    return chain
