"""Forms of the management pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.forms import Form


class ImportUploadForm(Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("The filled-in template: Excel (.xlsx) or CSV."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class RosterUploadForm(ImportUploadForm):
    deactivate_missing = forms.BooleanField(
        label=_("This is the full roster: deactivate members of my organ who are not in it"),
        required=False,
        help_text=_("They are deactivated, never deleted; the preview lists them before anything changes."),
    )


class MemberSearchForm(Form):
    q = forms.CharField(label=_("Name or mobile number"), required=False, max_length=50)
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=None, required=False, empty_label=_("All branches"))
    active = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All")), ("1", _("In service")), ("0", _("Not in service"))],
        required=False,
    )

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches


class MemberMoveForm(Form):
    branch = forms.ModelChoiceField(label=_("New branch"), queryset=None)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches
        self.fields["branch"].label_from_instance = lambda b: f"{b.organ.name} {b.name}"


class TransferSearchForm(Form):
    """The search for the branch of another organ a member transfers to (调出): part of an organ's or a branch's
    name, on the server, so that the page works without JavaScript."""

    q = forms.CharField(label=_("Organ or branch name"), min_length=2, max_length=50)


class MemberTransferForm(Form):
    """A transfer to another organ's branch: the API's move (branch, date, reason), with the reason required on the
    page because a member leaving the organ should say why. `q` carries the search back if the form comes back."""

    branch = forms.ModelChoiceField(label=_("New branch"), queryset=None, widget=forms.RadioSelect)
    on = forms.DateField(
        label=_("Date of the transfer"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Empty: today."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)
    q = forms.CharField(required=False, max_length=50, widget=forms.HiddenInput)

    def __init__(self, *args, branches, **kwargs):
        kwargs.setdefault("auto_id", "transfer-%s")
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches
        self.fields["branch"].label_from_instance = lambda b: f"{b.organ.name} — {b.name}"


class CertificateIssueForm(Form):
    """The period of a member's certificate: whole days, both included (this year up to today by default)."""

    period_start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))


class ReasonForm(Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)


class AppointForm(Form):
    """Appoint someone (new to the platform or not) to a role on one of the places or organizations offered."""

    name = forms.CharField(label=_("Name"), max_length=50)
    phone = forms.CharField(label=_("Mobile number"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    target = forms.ChoiceField(label=_("Role and where"))

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [(key, label) for key, label, _role, _node in targets]
        self._targets = {key: (role, node) for key, _label, role, node in targets}

    def role_and_node(self):
        return self._targets[self.cleaned_data["target"]]


class DistrictForm(Form):
    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=100)
    longitude = forms.FloatField(label=_("Longitude (WGS-84)"), min_value=-180, max_value=180)
    latitude = forms.FloatField(label=_("Latitude (WGS-84)"), min_value=-90, max_value=90)


class CertificateSearchForm(Form):
    q = forms.CharField(label=_("Certificate number or name"), required=False, max_length=50)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All")), ("valid", _("Valid")), ("revoked", _("Revoked"))],
        required=False,
    )


class CertificateRevokeForm(Form):
    """The reason is required; the service says so (reason_required) so the page and the API give one message."""

    reason = forms.CharField(label=_("Reason for revocation"), required=False, max_length=200)
