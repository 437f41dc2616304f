"""Query understanding: what search texts in English, Korean and codes mean in registry terms."""

from __future__ import annotations

import pytest

from caseway.portal import vocabulary
from caseway.portal.vocabulary import VocabularyError, parse
from caseway.registry.choices import Approach, ProcedureGroup

OVARIAN = {"C56", "C57.0", "C48.1", "C48.2"}
ROBOTIC = {"robotic_multiport", "robotic_single_port"}


def keys(text: str) -> list[str]:
    return [c.key for c in parse(text).concepts]


@pytest.mark.parametrize(
    "text",
    [
        "ovarian cancer",
        "Ovarian Cancer",
        "cancer of the ovary",
        "cancer of the ovaries",
        "ovarian cancers",
        "ovarian-cancer",
        "난소암",
        "난소 암",
        "난소암을",
        "난소암 잘하는 병원",
        "卵巣がん",
        "рак яичников",
        "ung thu buong trung",
        "Ung thư buồng trứng",
        "ovarian cancer treatment in Korea",
    ],
)
def test_ovarian_cancer_in_any_wording(text: str) -> None:
    query = parse(text)
    assert keys(text) == ["ovarian_cancer"]
    assert query.icd10 == OVARIAN
    assert not query.procedure_groups and not query.approaches
    assert query.unmatched == ()
    assert not query.empty


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("C56", {"C56"}),
        ("c56.9", {"C56.9"}),
        ("C56.9.", {"C56.9"}),
        ("\uff23\uff15\uff16", {"C56"}),  # full-width
        ("ICD-10: C56", {"C56"}),
        ("C18-C20", {"C18", "C19", "C20"}),
        ("c18 \u2013 c20", {"C18", "C19", "C20"}),
        ("C18.0-C18.2", {"C18.0", "C18.1", "C18.2"}),
        ("C56, C61", {"C56", "C61"}),
    ],
)
def test_codes_are_taken_as_typed(text: str, codes: set[str]) -> None:
    query = parse(text)
    assert query.icd10 == codes
    assert set(query.codes) == codes
    assert query.concepts == ()
    assert query.unmatched == ()


@pytest.mark.parametrize("text", ["C5", "C569", "C56.123", "C20-C18", "A00-Z99", "C18.1-C19.2"])
def test_code_like_words_that_are_not_codes_are_reported(text: str) -> None:
    query = parse(text)
    assert query.empty
    assert query.unmatched, "an invalid code must be reported, not guessed at"


def test_a_code_with_words() -> None:
    query = parse("C56 robotic")
    assert query.icd10 == {"C56"}
    assert query.approaches == ROBOTIC
    assert query.codes == ("C56",)


@pytest.mark.parametrize(
    "text",
    [
        "robotic prostatectomy",
        "Robot-assisted radical prostatectomy",
        "로봇 전립선절제술",
        "로봇전립선절제술",
    ],
)
def test_robotic_prostatectomy(text: str) -> None:
    query = parse(text)
    assert keys(text) == ["robotic", "prostatectomy"]
    assert query.icd10 == {"C61"}
    assert query.procedure_groups == {"urology"}
    assert query.approaches == ROBOTIC
    assert query.unmatched == ()


@pytest.mark.parametrize(
    "text",
    [
        "single-port surgery",
        "single port",
        "single-port robotic surgery",
        "robotic single-port",
        "robotic surgery, single port",
        "단일공 수술",
        "단일공 로봇수술",
        "로봇 단일공",
    ],
)
def test_single_port_is_robotic_single_port(text: str) -> None:
    query = parse(text)
    assert keys(text) == ["single_port_robotic"]
    assert query.approaches == {"robotic_single_port"}
    assert query.unmatched == ()


@pytest.mark.parametrize("text", ["single-port laparoscopy", "단일공 복강경", "단일공 복강경 수술"])
def test_single_port_laparoscopy_is_laparoscopic(text: str) -> None:
    assert parse(text).approaches == {"laparoscopic"}


@pytest.mark.parametrize(
    "text", ["robotic surgery", "robotic", "로봇수술", "로봇 수술", "da Vinci"]
)
def test_robotic_surgery_is_robotic_despite_the_stop_word(text: str) -> None:
    query = parse(text)
    assert query.approaches == ROBOTIC
    assert query.unmatched == ()


def test_broader_approach_gives_way_to_a_narrower_one() -> None:
    assert parse("minimally invasive laparoscopic hysterectomy").approaches == {"laparoscopic"}
    assert parse("minimally invasive").approaches == {"laparoscopic"} | ROBOTIC


def test_approaches_of_one_kind_are_alternatives() -> None:
    assert parse("robotic or laparoscopic").approaches == {"laparoscopic"} | ROBOTIC


def test_condition_and_approach_are_both_kept() -> None:
    query = parse("ovarian cancer robotic surgery")
    assert query.icd10 == OVARIAN
    assert query.approaches == ROBOTIC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gall bladder cancer", ["gallbladder_cancer"]),
        ("bladder cancer", ["bladder_cancer"]),
        ("thyroid lobectomy", ["thyroidectomy"]),
        ("lobectomy", ["lung_resection"]),
        ("vaginal cancer", ["vaginal_cancer"]),
        ("vaginal hysterectomy", ["vaginal", "hysterectomy"]),
        ("radical hysterectomy", ["radical_hysterectomy"]),
        ("자궁경부암", ["cervical_cancer"]),
        ("자궁암", ["uterine_cancer"]),
        ("uterine cancer", ["endometrial_cancer"]),
        ("대장암", ["colorectal_cancer"]),
        ("직장암", ["rectal_cancer"]),
        ("위암 위절제술", ["gastric_cancer", "gastrectomy"]),
        ("open heart surgery", ["cardiac_surgery"]),
        ("primary peritoneal cancer", ["ovarian_cancer"]),
        ("복막 전이", ["peritoneal_metastases"]),
        ("자궁근종절제술", ["myomectomy"]),
        ("cancer", ["cancer"]),
    ],
)
def test_longest_synonym_wins(text: str, expected: list[str]) -> None:
    assert keys(text) == expected


def test_procedures_carry_their_condition_when_specific() -> None:
    assert parse("nephrectomy").icd10 == {"C64"}
    assert parse("gastrectomy").procedure_groups == {"upper_gi"}
    assert parse("hysterectomy").icd10 == frozenset()
    assert parse("hysterectomy").procedure_groups == {"gyn_oncology", "gyn_benign"}
    assert parse("cytoreduction").procedure_groups == {"ovarian_cytoreduction"}
    assert parse("종양감축술").icd10 == OVARIAN


def test_words_that_match_nothing_are_reported() -> None:
    query = parse("cervical cancer Seoul")
    assert keys("cervical cancer Seoul") == ["cervical_cancer"]
    assert query.unmatched == ("Seoul",)


def test_korean_leftovers_are_reported_without_their_particle() -> None:
    query = parse("서울에서 난소암 수술")
    assert keys("서울에서 난소암 수술") == ["ovarian_cancer"]
    assert query.unmatched == ("서울",)


def test_nonsense() -> None:
    query = parse("xyzzy plugh 12")
    assert query.empty
    assert query.concepts == ()
    assert query.unmatched == ("xyzzy", "plugh", "12")


@pytest.mark.parametrize(
    "text", ["", "   ", "surgery for the best hospital", "수술 전문 병원", "?!"]
)
def test_only_stop_words_is_empty_and_not_misunderstood(text: str) -> None:
    query = parse(text)
    assert query.empty
    assert query.unmatched == ()


def test_a_korean_word_is_not_split_into_stop_words_and_rubbish() -> None:
    assert parse("치료제").unmatched == ("치료제",)


def test_every_label_and_synonym_means_its_own_concept() -> None:
    for concept, term in vocabulary.all_terms():
        query = parse(term)
        assert [c.key for c in query.concepts] == [concept.key], term
        assert query.unmatched == (), term


def test_concepts_by_kind() -> None:
    everything = vocabulary.concepts()
    by_kind = {kind: vocabulary.concepts(kind) for kind in vocabulary.KINDS}
    assert sum(len(v) for v in by_kind.values()) == len(everything)
    assert 40 <= len(everything) <= 70
    assert all(c.kind == kind for kind, cs in by_kind.items() for c in cs)
    assert "ovarian_cancer" in {c.key for c in by_kind["condition"]}
    with pytest.raises(ValueError, match="kind"):
        vocabulary.concepts("drug")


def test_specific_concepts_come_before_broad_ones() -> None:
    order = [c.key for c in vocabulary.concepts("condition")]
    assert order.index("ovarian_cancer") < order.index("ovarian_tumor")
    assert order.index("rectal_cancer") < order.index("colorectal_cancer")
    assert order.index("laryngeal_cancer") < order.index("head_neck_cancer")
    assert order[-1] == "cancer"


def test_labels_fall_back_to_english() -> None:
    concept = vocabulary.concept("ovarian_cancer")
    assert concept.label("en") == "Ovarian cancer"
    assert concept.label("ko") == "난소암"
    assert concept.label("ko-KR") == "난소암"
    assert concept.label("zh-hans") == "卵巢癌"
    assert concept.label("mn") == "Ovarian cancer"
    assert concept.label("") == "Ovarian cancer"


def test_data_uses_the_registry_codes() -> None:
    assert {c.value for c in ProcedureGroup} == vocabulary.PROCEDURE_GROUPS
    assert {c.value for c in Approach} == vocabulary.APPROACHES
    for concept in vocabulary.concepts():
        assert concept.labels.get("en") and concept.labels.get("ko"), concept.key
        assert set(concept.procedure_groups) <= vocabulary.PROCEDURE_GROUPS
        assert set(concept.approaches) <= vocabulary.APPROACHES


def test_a_query_is_a_value() -> None:
    first, second = parse("robotic prostatectomy"), parse("robotic prostatectomy")
    assert first == second
    assert hash(first) == hash(second)


def concept_data(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "key": "thing",
        "kind": "condition",
        "icd10": ["C56"],
        "labels": {"en": "Thing", "ko": "것"},
        "synonyms": {"en": ["thing one"]},
    }
    return base | overrides


@pytest.mark.parametrize(
    ("concept", "message"),
    [
        (concept_data(icd10=["C5"]), "not ICD-10"),
        (concept_data(procedure_groups=["neurosurgery"]), "procedure groups"),
        (concept_data(kind="approach", approaches=["laser"]), "approach"),
        (concept_data(labels={"ko": "것"}), "English label"),
        (concept_data(kind="drug"), "kind"),
        (concept_data(icd10=[]), "means nothing"),
        (concept_data(synonyms={"en": ["C56"]}), "cannot be a search term"),
    ],
)
def test_bad_data_is_refused(concept: dict[str, object], message: str) -> None:
    with pytest.raises(VocabularyError, match=message):
        vocabulary._build({"concepts": [concept]})


def test_a_synonym_with_two_meanings_is_refused() -> None:
    one = concept_data()
    two = concept_data(key="other", labels={"en": "Other"}, synonyms={"en": ["Thing one"]})
    with pytest.raises(VocabularyError, match="means both"):
        vocabulary._build({"concepts": [one, two]})


@pytest.mark.parametrize("text", ["thyroid", "갑상선"])
def test_the_organ_alone_means_its_operation(text: str) -> None:
    assert [c.key for c in vocabulary.parse(text).concepts] == ["thyroidectomy"]
