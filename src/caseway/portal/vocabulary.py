"""What the portal's search box understands: words and codes turned into registry terms.

A patient in Ulsan types "난소 암", a family abroad "cancer of the ovary", a referring doctor
"C56.9": all three must reach the same centers, so search works on what the registry records
(ICD-10 prefixes, procedure groups, approaches), not on the words centers use in their texts.
This module is the translation between the two. It is plain Python over a curated data file,
``vocabulary.json`` (concepts with labels and synonyms per language, and what each means), read
once per process; parsing is a walk over a prebuilt trie, well under a millisecond.

Rules, and why:

* Text is NFKC-normalised and case-folded (a full-width C56 typed on an Asian keyboard is
  C56); outside Hangul, kana and Chinese characters, accents are folded too ("ung thu buong
  trung" finds the Vietnamese label) and a plural ``s`` is dropped on both sides ("ovarian
  cancers"), so spelling variants need no synonym of their own.
* Korean, Japanese and Chinese are matched character by character with spaces ignored, because
  people space compounds freely: "난소 암" is "난소암", "로봇전립선절제술" is 로봇 + 전립선절제술.
  Other scripts are matched word by word, so "oc" never matches inside "doctor".
* The longest synonym wins at each position, left to right: "single-port robotic surgery" is
  single-port (not robotic + single-port), "gall bladder cancer" is not bladder cancer, "thyroid
  lobectomy" is not a lung operation, "vaginal cancer" is a condition and "vaginal hysterectomy"
  an approach plus an operation.
* ICD-10 codes typed are taken as they are (``[A-Z]\\d{2}(\\.\\d{1,2})?``, "c56.9" is C56.9), and
  ranges "C18-C20" are expanded (at most 200 categories); something code-like that is not a
  valid code ("C5", "C569") is reported back rather than guessed at.
* Stop words ("surgery", "for", "hospital", "수술", "병원" ...) and Korean particles ("난소암을")
  are dropped silently: they are not misunderstandings. They are looked at only after synonyms,
  so "robotic surgery" and "로봇수술" still mean robotic. Any other leftover is returned in
  ``Query.unmatched``, for the page to say what it did not understand instead of pretending.
* Kinds combine by AND and concepts of one kind by OR (done by the ranking: a condition and an
  approach narrow). Among approaches, a broader one named with a narrower one gives way to it
  ("robotic surgery, single-port" is single-port; "minimally invasive laparoscopic" is
  laparoscopic), because a person naming both means the narrower.

The choices about what a word means (ovarian cancer includes tubal and primary peritoneal
carcinoma; "자궁암" is cervix or body; bare "단일공" is robotic single-port ...) are written in the
data file's ``notes``, next to the data they explain.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

DATA_FILE = Path(__file__).with_name("vocabulary.json")

KINDS = ("condition", "procedure", "approach")
#: The languages labels may be written in (the portal's content languages).
LANGUAGES = frozenset({"en", "ko", "ja", "zh", "ru", "ar", "mn", "vi"})
#: The registry's codes (``caseway.registry.choices``); kept here so this module needs no
#: Django models, and checked against the registry by the tests.
PROCEDURE_GROUPS = frozenset(
    {
        "ovarian_cytoreduction",
        "gyn_oncology",
        "gyn_benign",
        "urology",
        "colorectal",
        "upper_gi",
        "hepatobiliary",
        "thoracic",
        "head_neck",
        "cardiac",
        "other",
    }
)
APPROACHES = frozenset(
    {"open", "laparoscopic", "robotic_multiport", "robotic_single_port", "vaginal", "hybrid"}
)

#: A code a person may type.
ICD10_CODE = re.compile(r"[A-Z][0-9]{2}(?:\.[0-9]{1,2})?")
#: A prefix a concept may mean: a code, or a chapter letter ("C": any malignant neoplasm).
_CONCEPT_CODE = re.compile(r"[A-Z](?:[0-9]{2}(?:\.[0-9]{1,2})?)?")
#: Ranges wider than this are refused rather than expanded (one letter holds 100 categories).
MAX_RANGE = 200

# Scripts written without reliable spaces between words: matched character by character.
_COMPACT = (
    "\u1100-\u11ff\u3005\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff\uf900-\ufaff"
)
_DASHES = "\\-\u2010-\u2015~"
_TOKEN = re.compile(
    rf"(?P<code>(?<![^\W_])[A-Za-z][0-9][0-9A-Za-z.]*"
    rf"(?:\s*[{_DASHES}]\s*[A-Za-z][0-9][0-9A-Za-z.]*)?)"
    rf"|(?P<compact>[{_COMPACT}]+)"
    rf"|(?P<word>[^\W_{_COMPACT}]+)"
)
_CODE_RANGE = re.compile(rf"\s*[{_DASHES}]\s*")
# "ICD-10", "KCD-8": naming the classification is not a search term.
_CLASSIFICATION = re.compile(r"(?<![^\W_])(?:icd|kcd)(?:[\s-]*[0-9]{1,2})?(?![^\W_])", re.I)
_APOSTROPHES = str.maketrans("", "", "'\u2019")
# Letters that do not decompose into a base letter and a mark, and Arabic spelling variants.
_FOLD = str.maketrans({"đ": "d", "ð": "d", "ł": "l", "ø": "o", "ى": "ي"})


class VocabularyError(ValueError):
    """The data file is inconsistent (raised when it is loaded, so tests catch it)."""


def in_language(values: Mapping[str, str], language: str) -> str:
    """The text for ``language`` ("ko", "ko-KR", "zh-hans"), else English, else any; "" if none.

    Content is written in English and Korean first, other languages where someone wrote them,
    so English is the fallback a reader abroad is most likely to read."""
    wanted = (language or "").lower().replace("_", "-")
    for candidate in (wanted, wanted.split("-")[0], "en"):
        text = values.get(candidate)
        if text:
            return text
    return next((text for text in values.values() if text), "")


@dataclass(frozen=True)
class Concept:
    """Something a person can search for, in the registry's terms."""

    key: str
    kind: str  # "condition" | "procedure" | "approach"
    labels: Mapping[str, str] = field(compare=False, repr=False)
    icd10: tuple[str, ...] = ()
    procedure_groups: tuple[str, ...] = ()
    approaches: tuple[str, ...] = ()

    def label(self, language: str) -> str:
        """The name to show: in ``language`` when written, else English."""
        return in_language(self.labels, language)


@dataclass(frozen=True)
class Query:
    """What a search text means. ``codes`` are the ICD-10 codes typed (already in ``icd10``)."""

    text: str
    concepts: tuple[Concept, ...] = ()
    icd10: frozenset[str] = frozenset()
    procedure_groups: frozenset[str] = frozenset()
    approaches: frozenset[str] = frozenset()
    unmatched: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """No term to search by (nothing typed, or nothing understood)."""
        return not (self.icd10 or self.procedure_groups or self.approaches)


class _Unit(NamedTuple):
    key: str  # what is matched; "" for a code, which no synonym spans
    display: str  # as typed, for reporting it back
    word: int  # which typed word it came from
    compact: bool  # one character of a script written without spaces
    invalid: bool = False  # a code-like word that is not a valid code


class _Node:
    __slots__ = ("children", "concept")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.concept: Concept | None = None


@dataclass(frozen=True)
class _Index:
    concepts: tuple[Concept, ...]
    by_key: Mapping[str, Concept]
    trie: _Node
    stop_words: frozenset[str]  # keys of single words
    fillers: frozenset[str]  # stop words and particles of compact scripts
    filler_length: int


# --- normalisation --------------------------------------------------------------------------------
def _fold(text: str) -> str:
    """Accents off (both sides are folded, so this only widens matching)."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", bare).translate(_FOLD)


def _word_key(word: str) -> str:
    key = word.casefold()
    if not key.isascii():
        key = _fold(key)
    if len(key) > 3 and key.isascii() and key.isalpha():
        if key.endswith("ies") and len(key) > 4:
            key = key[:-3] + "y"
        elif key.endswith("s") and not key.endswith(("ss", "us", "is")):
            key = key[:-1]
    return key


def _range_index(code: str) -> int:
    return (ord(code[0]) - ord("A")) * 100 + int(code[1:3])


def _expand(first: str, last: str) -> list[str] | None:
    """The codes of a range "C18-C20" or "C18.0-C18.4"; None when it is not a sensible range."""
    if len(first) == 3 and len(last) == 3:
        start, end = _range_index(first), _range_index(last)
        if start > end or end - start >= MAX_RANGE:
            return None
        return [f"{chr(ord('A') + n // 100)}{n % 100:02d}" for n in range(start, end + 1)]
    if first[:4] == last[:4] and len(first) == len(last) and len(first) > 4:
        width = len(first) - 4
        low, high = int(first[4:]), int(last[4:])
        if low > high:
            return None
        return [f"{first[:4]}{n:0{width}d}" for n in range(low, high + 1)]
    return None


def _codes(chunk: str) -> list[str] | None:
    """The valid codes a code-like chunk stands for, or None if it is not one."""
    parts = [p.rstrip(".").upper() for p in _CODE_RANGE.split(chunk)]
    if not all(ICD10_CODE.fullmatch(p) for p in parts):
        return None
    if len(parts) == 1:
        return parts
    return _expand(parts[0], parts[1])


def _tokenize(text: str) -> tuple[list[_Unit], list[str]]:
    """Units to match, in order, and the valid ICD-10 codes typed."""
    normal = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    normal = _CLASSIFICATION.sub(" ", normal)
    units: list[_Unit] = []
    codes: list[str] = []
    for word, match in enumerate(_TOKEN.finditer(normal)):
        kind, token = match.lastgroup, match.group()
        if kind == "code":
            found = _codes(token)
            if found is None:
                units.append(_Unit("", token.strip(), word, False, invalid=True))
            else:
                codes.extend(found)
                units.append(_Unit("", token, word, False))
        elif kind == "compact":
            units.extend(_Unit(char, char, word, True) for char in token)
        else:
            units.append(_Unit(_word_key(token), token, word, False))
    return units, codes


# --- the data -------------------------------------------------------------------------------------
def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise VocabularyError(f"{where}: expected a list of non-empty strings")
    return value


def _concept(raw: Mapping[str, Any]) -> tuple[Concept, list[str]]:
    key = raw.get("key")
    if not isinstance(key, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", key):
        raise VocabularyError(f"bad concept key {key!r}")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise VocabularyError(f"{key}: kind {kind!r} is not one of {KINDS}")
    labels = raw.get("labels") or {}
    if not isinstance(labels, dict) or not labels.get("en"):
        raise VocabularyError(f"{key}: an English label is required (it is the fallback)")
    if set(labels) - LANGUAGES:
        raise VocabularyError(f"{key}: labels in unknown languages {set(labels) - LANGUAGES}")
    icd10 = tuple(_strings(raw.get("icd10", []), f"{key}.icd10"))
    groups = tuple(_strings(raw.get("procedure_groups", []), f"{key}.procedure_groups"))
    approaches = tuple(_strings(raw.get("approaches", []), f"{key}.approaches"))
    if bad := [c for c in icd10 if not _CONCEPT_CODE.fullmatch(c)]:
        raise VocabularyError(f"{key}: not ICD-10 prefixes: {bad}")
    if bad := sorted(set(groups) - PROCEDURE_GROUPS):
        raise VocabularyError(f"{key}: not registry procedure groups: {bad}")
    if bad := sorted(set(approaches) - APPROACHES):
        raise VocabularyError(f"{key}: not registry approaches: {bad}")
    if not (icd10 or groups or approaches):
        raise VocabularyError(f"{key}: means nothing (no codes, groups or approaches)")
    if kind == "approach" and (icd10 or groups or not approaches):
        raise VocabularyError(f"{key}: an approach means approaches only")
    synonyms = raw.get("synonyms") or {}
    if set(synonyms) - LANGUAGES:
        raise VocabularyError(f"{key}: synonyms in unknown languages {set(synonyms) - LANGUAGES}")
    terms = list(labels.values())
    for language, words in synonyms.items():
        terms.extend(_strings(words, f"{key}.synonyms.{language}"))
    concept = Concept(
        key=key,
        kind=kind,
        labels=MappingProxyType(dict(labels)),
        icd10=icd10,
        procedure_groups=groups,
        approaches=approaches,
    )
    return concept, terms


def _term_keys(term: str, where: str) -> list[str]:
    units, codes = _tokenize(term)
    if codes or not units or any(not u.key for u in units):
        raise VocabularyError(f"{where}: {term!r} cannot be a search term")
    return [u.key for u in units]


def _build(data: Mapping[str, Any]) -> _Index:
    concepts: list[Concept] = []
    by_key: dict[str, Concept] = {}
    trie = _Node()
    for raw in data.get("concepts", []):
        concept, terms = _concept(raw)
        if concept.key in by_key:
            raise VocabularyError(f"concept {concept.key} is defined twice")
        by_key[concept.key] = concept
        concepts.append(concept)
        for term in terms:
            node = trie
            for key in _term_keys(term, concept.key):
                node = node.children.setdefault(key, _Node())
            if node.concept is not None and node.concept.key != concept.key:
                raise VocabularyError(f"{term!r} means both {node.concept.key} and {concept.key}")
            node.concept = concept
    stop_words: set[str] = set()
    fillers: set[str] = set()
    for group in ("stop_words", "particles"):
        for language, words in (data.get(group) or {}).items():
            for word in _strings(words, f"{group}.{language}"):
                units = [u for u in _tokenize(word)[0] if u.key]
                if units and all(u.compact for u in units):
                    fillers.add("".join(u.key for u in units))
                elif len(units) == 1:
                    stop_words.add(units[0].key)
                else:
                    raise VocabularyError(f"{group}.{language}: {word!r} is not one word")
    return _Index(
        concepts=tuple(concepts),
        by_key=MappingProxyType(by_key),
        trie=trie,
        stop_words=frozenset(stop_words),
        fillers=frozenset(fillers),
        filler_length=max((len(f) for f in fillers), default=0),
    )


@functools.cache
def _index() -> _Index:
    with DATA_FILE.open(encoding="utf-8") as handle:
        return _build(json.load(handle))


# --- public API -----------------------------------------------------------------------------------
def concepts(kind: str | None = None) -> list[Concept]:
    """The concepts, in the data file's order (specific before broad), for suggestions."""
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    return [c for c in _index().concepts if kind is None or c.kind == kind]


def concept(key: str) -> Concept:
    """The concept with this key (KeyError if none)."""
    return _index().by_key[key]


def parse(text: str) -> Query:
    """What ``text`` asks for; see the module docstring for the rules."""
    index = _index()
    units, codes = _tokenize(text or "")
    matched = [False] * len(units)
    found: dict[str, Concept] = {}
    i = 0
    while i < len(units):
        node, j, end, hit = index.trie, i, i, None
        while j < len(units):
            child = node.children.get(units[j].key)
            if child is None:
                break
            node, j = child, j + 1
            if node.concept is not None:
                end, hit = j, node.concept
        if hit is None:
            i += 1
            continue
        matched[i:end] = [True] * (end - i)
        found.setdefault(hit.key, hit)
        i = end
    chosen = _narrow(list(found.values()))
    typed = tuple(dict.fromkeys(codes))
    return Query(
        text=text,
        concepts=chosen,
        icd10=frozenset(typed).union(*(c.icd10 for c in chosen)),
        procedure_groups=frozenset().union(*(c.procedure_groups for c in chosen)),
        approaches=frozenset().union(*(c.approaches for c in chosen)),
        unmatched=_leftovers(units, matched, index),
        codes=typed,
    )


def _narrow(found: list[Concept]) -> tuple[Concept, ...]:
    """Drop an approach another approach of the query narrows ("robotic" + "single-port")."""
    sets = [frozenset(c.approaches) for c in found if c.kind == "approach"]
    return tuple(
        c
        for c in found
        if c.kind != "approach" or not any(other < frozenset(c.approaches) for other in sets)
    )


def _leftovers(units: list[_Unit], matched: list[bool], index: _Index) -> tuple[str, ...]:
    """Words nothing matched, as typed, without stop words and particles."""
    out: list[str] = []
    i = 0
    while i < len(units):
        unit = units[i]
        if matched[i] or (not unit.key and not unit.invalid):
            i += 1
            continue
        if not unit.compact:
            if unit.invalid or unit.key not in index.stop_words:
                out.append(unit.display)
            i += 1
            continue
        j = i
        while j < len(units) and not matched[j] and units[j].compact and units[j].word == unit.word:
            j += 1
        piece = "".join(u.key for u in units[i:j])
        if not _fills(piece, index):
            out.append(_without_particle(piece, index))
        i = j
    return tuple(dict.fromkeys(out))


def _fills(piece: str, index: _Index) -> bool:
    """Whether a piece is nothing but stop words and particles ("수술전문병원", "을")."""
    reachable = [True] + [False] * len(piece)
    for end in range(1, len(piece) + 1):
        for start in range(max(0, end - index.filler_length), end):
            if reachable[start] and piece[start:end] in index.fillers:
                reachable[end] = True
                break
    return reachable[-1]


def _without_particle(piece: str, index: _Index) -> str:
    """Report "서울에서" as "서울": the particle is not what was not understood."""
    for cut in range(min(index.filler_length, len(piece) - 1), 0, -1):
        if piece[-cut:] in index.fillers:
            return piece[:-cut]
    return piece


def all_terms() -> Iterable[tuple[Concept, str]]:
    """Every (concept, searchable term) of the data, for checking and suggestions."""
    with DATA_FILE.open(encoding="utf-8") as handle:
        data = json.load(handle)
    for raw in data.get("concepts", []):
        item, terms = _concept(raw)
        for term in terms:
            yield concept(item.key), term
