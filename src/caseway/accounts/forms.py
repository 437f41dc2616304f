"""Forms for people, their roles and their preferences."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from caseway.accounts.models import Membership, User
from caseway.core.ui import VersionedForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonForm(forms.ModelForm):  # type: ignore[type-arg,unused-ignore]
    """A new person. They set their own password through the e-mailed reset link."""

    class Meta:
        model = User
        fields = ["email", "full_name", "full_name_ko", "preferred_language", "time_zone"]

    def save(self, commit: bool = True) -> User:
        user: User = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


class MembershipForm(VersionedForm):
    person = forms.EmailField(label=_("person's e-mail address"))

    class Meta:
        model = Membership
        fields = ["role", "institution", "center", "valid_from", "valid_until"]
        widgets = {"valid_from": DATE, "valid_until": DATE}
        help_texts = {
            "institution": _("Leave institution and center empty for an association role."),
        }

    field_order = ["person", "role", "institution", "center", "valid_from", "valid_until"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["person"].disabled = True
            self.initial["person"] = self.instance.user.email

    def clean_person(self) -> User:
        email = self.cleaned_data["person"].lower()
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise forms.ValidationError(
                _("No one has this e-mail address in Caseway. Add the person first.")
            )
        return user

    def _post_clean(self) -> None:
        if "person" in self.cleaned_data and not self.instance.pk:
            self.instance.user = self.cleaned_data["person"]
        super()._post_clean()  # type: ignore[misc]

    def changes(self) -> dict[str, Any]:
        changed = super().changes()
        changed.pop("person", None)
        return changed


class PreferencesForm(forms.ModelForm):  # type: ignore[type-arg,unused-ignore]
    class Meta:
        model = User
        fields = ["full_name", "full_name_ko", "preferred_language", "time_zone"]


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("What is this token for?"), max_length=100)
    valid_days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=365, initial=90
    )
