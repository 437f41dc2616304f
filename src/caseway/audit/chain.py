"""The hash chain: how an event's hash is computed, and how a whole chain is checked.

Plain functions over plain values, so the verification can be reasoned about and tested without
the database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64

#: The fields an event's hash covers, in a fixed order.
HASHED_FIELDS = (
    "sequence",
    "occurred_at",
    "actor_user_id",
    "actor_label",
    "acting_role",
    "action",
    "entity_type",
    "entity_id",
    "patient_id",
    "institution_id",
    "center_id",
    "outcome",
    "reason",
    "client_address",
    "detail",
)


def event_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    """SHA-256 of the previous hash and the event's canonical JSON content."""
    canonical = json.dumps(
        {name: content[name] for name in HASHED_FIELDS},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    sequence: int
    problem: str

    def __str__(self) -> str:
        return f"event #{self.sequence}: {self.problem}"


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_break: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.first_break is None


def verify_chain(
    events: Iterable[Mapping[str, Any]], head_sequence: int, head_hash: str
) -> ChainReport:
    """Check events (in sequence order, each with its content, prev_hash and hash).

    Stops at the first break: a gap or reordering in the sequence, a link to the wrong previous
    hash, a hash that does not match the content, or a chain that ends before its recorded head.
    """
    expected_sequence = 1
    previous = GENESIS_HASH
    checked = 0
    for event in events:
        sequence = event["sequence"]
        if sequence != expected_sequence:
            return ChainReport(
                checked,
                ChainBreak(
                    expected_sequence,
                    f"missing (the next event found is #{sequence})",
                ),
            )
        if event["prev_hash"] != previous:
            return ChainReport(
                checked, ChainBreak(sequence, "does not link to the event before it")
            )
        if event_hash(previous, event) != event["hash"]:
            return ChainReport(
                checked, ChainBreak(sequence, "content does not match its hash (altered)")
            )
        previous = event["hash"]
        expected_sequence += 1
        checked += 1
    last_sequence = expected_sequence - 1
    if last_sequence != head_sequence or previous != head_hash:
        return ChainReport(
            checked,
            ChainBreak(
                last_sequence + 1,
                f"the chain ends at #{last_sequence} but its head records #{head_sequence} "
                "(events removed from the end)",
            ),
        )
    return ChainReport(checked, None)
