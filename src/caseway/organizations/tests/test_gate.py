"""Every directory model honours the access-gate contract."""

from caseway.core.testing import GateContract
from caseway.organizations.models import (
    Center,
    Clinician,
    Department,
    Institution,
    InstitutionRegistration,
)


class TestInstitutionGate(GateContract):
    model = Institution
    namespace = "organizations"
    api_path = "directory/institutions"
    target = staticmethod(lambda w: w.institution_a)
    outsider = staticmethod(lambda w: w.patient)
    reader = staticmethod(lambda w: w.clinician_user_a)
    editor = staticmethod(lambda w: w.admin)
    change = {"name_en": "Hospital A (renamed)"}


class TestCenterGate(GateContract):
    model = Center
    namespace = "organizations"
    api_path = "directory/centers"
    target = staticmethod(lambda w: w.center_a)
    outsider = staticmethod(lambda w: w.patient)
    reader = staticmethod(lambda w: w.coordinator_b)
    editor = staticmethod(lambda w: w.coordinator_a)
    voider = staticmethod(lambda w: w.admin)  # closing a center is the association's decision
    change = {"name_en": "Gynecologic Cancer Center A"}


class TestDepartmentGate(GateContract):
    model = Department
    namespace = "organizations"
    api_path = "directory/departments"
    target = staticmethod(lambda w: w.department_a)
    outsider = staticmethod(lambda w: w.patient)
    reader = staticmethod(lambda w: w.coordinator_a)
    editor = staticmethod(lambda w: w.admin)
    change = {"name_ko": "영상의학과 (본원)"}


class TestClinicianGate(GateContract):
    model = Clinician
    namespace = "organizations"
    api_path = "directory/clinicians"
    target = staticmethod(lambda w: w.clinician_a)
    outsider = staticmethod(lambda w: w.patient)
    reader = staticmethod(lambda w: w.coordinator_b)
    editor = staticmethod(lambda w: w.coordinator_a)
    change = {"specialty": "Interventional radiology"}


class TestRegistrationGate(GateContract):
    model = InstitutionRegistration
    namespace = "organizations"
    api_path = "directory/registrations"
    target = staticmethod(lambda w: w.registration_a)
    outsider = staticmethod(lambda w: w.coordinator_b)
    reader = staticmethod(lambda w: w.clinician_user_a)
    editor = staticmethod(lambda w: w.admin)
    change = {"notes": "Renewal filed with the ministry"}
