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
PASSPORT_SYSTEM = "http://hl7.org/fhir/sid/passport-"  # + ISO 3166 alpha-3 country

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
