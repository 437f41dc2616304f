"""Code systems, profiles and codes Caseway uses at the FHIR boundary (R4 / mCODE STU)."""

from __future__ import annotations

MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
PROFILE_PATIENT = MCODE + "mcode-cancer-patient"
PROFILE_PRIMARY = MCODE + "mcode-primary-cancer-condition"
PROFILE_SECONDARY = MCODE + "mcode-secondary-cancer-condition"
PROFILE_TNM_GROUP = MCODE + "mcode-tnm-stage-group"
PROFILE_FIGO = MCODE + "mcode-gynecologic-tumor-figo-stage"
PROFILE_TUMOR_MARKER = MCODE + "mcode-tumor-marker-test"
PROFILE_ECOG = MCODE + "mcode-ecog-performance-status"
PROFILE_KARNOFSKY = MCODE + "mcode-karnofsky-performance-status"
PROFILE_VARIANT = MCODE + "mcode-genomic-variant"
PROFILE_DISEASE_STATUS = MCODE + "mcode-cancer-disease-status"
PROFILE_SURGERY = MCODE + "mcode-cancer-related-surgical-procedure"
PROFILE_RADIOTHERAPY = MCODE + "mcode-radiotherapy-course-summary"
PROFILE_MEDICATION_REQUEST = MCODE + "mcode-cancer-related-medication-request"
EXT_HISTOLOGY = MCODE + "mcode-histology-morphology-behavior"

ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
LOINC = "http://loinc.org"
HGNC = "http://www.genenames.org/geneId"
HGVS = "http://varnomen.hgvs.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
NATIONALITY_EXT = "http://hl7.org/fhir/StructureDefinition/patient-nationality"

# Caseway's own systems, for values no public system codes (documented in the
# CapabilityStatement). Stable URIs; never change them.
CASEWAY = "urn:caseway:fhir:"
STAGING_SYSTEM = CASEWAY + "staging:"  # + staging system code, e.g. figo-2014-ovary
BIOMARKER = CASEWAY + "biomarker"
BIOMARKER_RESULT = CASEWAY + "biomarker-result"
MEASUREMENT_KIND = CASEWAY + "measurement-kind"
DISEASE_STATUS = CASEWAY + "disease-status"
VARIANT_CATEGORY = CASEWAY + "variant-category"
VARIANT_CLASSIFICATION = CASEWAY + "variant-classification"
EXT_GRADE = CASEWAY + "histologic-grade"
EXT_HISTOTYPE = CASEWAY + "histotype"
EXT_TREATMENT_LINE = CASEWAY + "treatment-line"
MRN_SYSTEM = CASEWAY + "mrn:"  # + center code

# The surgical registry (docs/fhir.md, "Surgical registry"). Extensions on the Procedure: valueCode
# unless noted; the codes are those of caseway.registry.choices.
EXT_SURGICAL_APPROACH = CASEWAY + "surgical-approach"
EXT_SURGICAL_PLATFORM = CASEWAY + "surgical-platform"  # valueString
EXT_SURGICAL_TIMING = CASEWAY + "surgical-timing"
EXT_NEOADJUVANT_CYCLES = CASEWAY + "neoadjuvant-cycles"  # valueInteger
EXT_ADVANCED_OVARIAN = CASEWAY + "advanced-ovarian-cancer"  # valueBoolean
EXT_SURGICAL_SPECIALTY = CASEWAY + "surgical-specialty"
EXT_PROCEDURE_GROUP = CASEWAY + "procedure-group"
EXT_SURGICAL_URGENCY = CASEWAY + "surgical-urgency"
#: Complex: ``target`` (valueCode open / laparoscopic) and ``reason`` (valueString).
EXT_SURGICAL_CONVERSION = CASEWAY + "surgical-conversion"
#: On Procedure.performer: the team member's specialty.
EXT_SURGEON_SPECIALTY = CASEWAY + "surgeon-specialty"
#: On a Procedure.complication concept: the day after surgery it began (valueInteger).
EXT_COMPLICATION_DAY = CASEWAY + "complication-day"
#: On a Procedure.code coding: the procedure's local code when the coding is a standard one.
EXT_LOCAL_CODE = CASEWAY + "procedure-local-code"  # valueString
#: A code system (a coding of Procedure.code) and an extension on any coding (valueCode).
ALETTI_GROUP = CASEWAY + "aletti-group"
SURGICAL_ROLE = CASEWAY + "surgical-role"  # Procedure.performer.function
CLAVIEN_DINDO = CASEWAY + "clavien-dindo"  # Procedure.complication, e.g. IIIa or IIIad
#: Simple registry extensions on the Procedure: url -> (Surgery field, value element).
SURGERY_EXTENSIONS = {
    EXT_SURGICAL_APPROACH: ("approach", "valueCode"),
    EXT_SURGICAL_PLATFORM: ("platform", "valueString"),
    EXT_SURGICAL_TIMING: ("timing", "valueCode"),
    EXT_NEOADJUVANT_CYCLES: ("neoadjuvant_cycles", "valueInteger"),
    EXT_ADVANCED_OVARIAN: ("advanced_ovarian", "valueBoolean"),
    EXT_SURGICAL_SPECIALTY: ("specialty", "valueCode"),
    EXT_PROCEDURE_GROUP: ("procedure_group", "valueCode"),
    EXT_SURGICAL_URGENCY: ("urgency", "valueCode"),
}
#: Observation codes: residual-disease-mm, pci (components pci-region-0..12), pci-region-N,
#: blood-loss-ml. Observations so coded are part of (partOf) a surgical Procedure.
REGISTRY = CASEWAY + "registry"
PASSPORT_SYSTEM = "http://hl7.org/fhir/sid/passport-"  # + ISO 3166 alpha-3 country

#: SNOMED CT 387713003 |Surgical procedure| (the mCODE surgical procedure value set's root).
SNOMED_SURGICAL_PROCEDURE = "387713003"

LOINC_STAGE_CLINICAL = "21908-9"
LOINC_STAGE_PATHOLOGICAL = "21902-2"
LOINC_ECOG = "89247-1"
LOINC_KARNOFSKY = "89243-0"
LOINC_TMB = "94076-7"
LOINC_DISEASE_STATUS = "97509-4"
LOINC_GENE = "48018-6"
LOINC_PROTEIN_CHANGE = "48005-3"
LOINC_CDNA_CHANGE = "48004-6"
LOINC_GENOMIC_SOURCE = "48002-0"
LOINC_CLINICAL_SIGNIFICANCE = "53037-8"
LOINC_VARIANT_ASSESSMENT = "69548-6"
GENOMIC_SOURCE = {"germline": "LA6683-2", "somatic": "LA6684-0"}
CLINICAL_SIGNIFICANCE = {
    "pathogenic": "LA6668-3",
    "likely_pathogenic": "LA26332-9",
    "uncertain": "LA26333-7",
    "likely_benign": "LA26334-5",
    "benign": "LA6675-8",
}

#: Resource types the importer accepts.
SUPPORTED_TYPES = (
    "Patient",
    "Condition",
    "Observation",
    "Procedure",
    "MedicationStatement",
    "MedicationRequest",
    "DiagnosticReport",
    "DocumentReference",
)
