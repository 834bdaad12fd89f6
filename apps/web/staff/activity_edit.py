"""Changing an activity at the desk: the fields the API's PATCH /api/v1/activities/{pk}/ takes, through the same
service (apps.activities.services.activity_update), which decides what may change and when: a draft or an open
activity, before it starts; the capacity never below the places confirmed; the window in order.

Only the fields the user changed are sent, so the audit trail records what changed and nothing else.
"""

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from apps.activities import errors as activity_errors
from apps.activities import selectors as activity_selectors
from apps.activities import services as activity_services
from apps.activities.models import Activity, ActivityCategory, ActivityStatus, Audience
from apps.core.errors import DomainError
from apps.core.forms import Form
from apps.teams.models import Team
from apps.web.access import StaffPageMixin, found_or_404
from apps.web.feedback import add_form_error
from apps.web.staff.forms import TeamChoiceField, _datetime_field

_TIMES = ("starts_at", "ends_at", "signup_deadline")


class ActivityEditForm(Form):
    """The fields of the API's ActivityUpdateInputSerializer (the place and the community stay as created)."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=Activity._meta.get_field("title").max_length)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=Activity._meta.get_field("description").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=ActivityCategory.choices)
    starts_at = _datetime_field(gettext_lazy("Starts at"))
    ends_at = _datetime_field(gettext_lazy("Ends at"))
    signup_deadline = _datetime_field(gettext_lazy("Sign-up deadline"))
    capacity = forms.IntegerField(
        label=gettext_lazy("Number of places"),
        min_value=1,
        max_value=100_000,
        help_text=gettext_lazy("Not fewer than the places already confirmed; more places go to the waitlist first."),
    )
    audience = forms.ChoiceField(label=gettext_lazy("Who may sign up"), choices=Audience.choices)
    organizer_team = TeamChoiceField(
        label=gettext_lazy("Organized by a volunteer team"),
        queryset=Team.objects.none(),
        required=False,
        help_text=gettext_lazy("Optional: a team of an organ paired with the community."),
    )

    def __init__(self, *args, activity, **kwargs):
        super().__init__(*args, **kwargs)
        # The teams paired with the community today, and the current one (kept even if its pairing has ended).
        options = activity_selectors.organizer_team_options(communities=[activity.community_id])
        if activity.organizer_team_id:
            options = options | Team.objects.filter(pk=activity.organizer_team_id)
        self.fields["organizer_team"].queryset = options.distinct()

    @staticmethod
    def initial_for(activity):
        """The activity's values as the form shows them (times to the minute, as the inputs hold them)."""
        initial = {name: getattr(activity, name) for name in ("title", "description", "category", "capacity")}
        initial["audience"] = activity.audience
        initial["organizer_team"] = activity.organizer_team_id
        for name in _TIMES:
            initial[name] = timezone.localtime(getattr(activity, name)).replace(second=0, microsecond=0)
        return initial


def may_edit(activity, now=None):
    """Whether to offer the form: the service's own condition (it decides again on saving)."""
    now = now or timezone.now()
    return activity.status in (ActivityStatus.DRAFT, ActivityStatus.OPEN) and activity.starts_at > now


class ActivityEditView(StaffPageMixin, FormView):
    template_name = "web/staff/activity_edit.html"
    form_class = ActivityEditForm

    def dispatch(self, request, *args, **kwargs):
        self.activity = None
        return super().dispatch(request, *args, **kwargs)

    def get_activity(self):
        if self.activity is None:
            self.activity = found_or_404(
                activity_selectors.activity_organized_get(user=self.request.user, pk=self.kwargs["pk"])
            )
        return self.activity

    def get_initial(self):
        return ActivityEditForm.initial_for(self.get_activity())

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "activity": self.get_activity()}

    def get_context_data(self, **kwargs):
        activity = self.get_activity()
        return super().get_context_data(
            subnav="activities",
            title=_("Edit: %(title)s") % {"title": activity.title},
            activity=activity,
            editable=may_edit(activity),
            not_editable_code="activity_not_editable",
            not_editable_message=activity_errors.ACTIVITY_NOT_EDITABLE,
            **kwargs,
        )

    def form_valid(self, form):
        activity = self.get_activity()
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        detail = reverse("staff:activity-detail", args=[activity.pk])
        if not changes:
            messages.info(self.request, _("Nothing was changed."))
            return HttpResponseRedirect(detail)
        try:
            activity = activity_services.activity_update(activity=activity, actor=self.request.user, **changes)
        except DomainError as error:
            add_form_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Activity saved: %(title)s.") % {"title": activity.title})
        return HttpResponseRedirect(detail)
