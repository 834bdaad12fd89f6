"""Desk pages of residents' requests (居民点单 → 选单): the grid worker's and the community's list, one request with
its decisions (accept into a prefilled wish form, merge into an open wish, decline with a reason), and the
printable poster whose QR code opens a community's order form.

Reads go through apps.residents.selectors (scoped: the community's staff, the grid's worker), writes through its
services; a request outside the desk's scope is a 404.
"""

from datetime import timedelta

import segno
from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from apps.core.errors import DomainError, Invalid
from apps.core.forms import Form
from apps.residents import selectors, services
from apps.residents.models import RequestStatus
from apps.residents.permissions import may_decide
from apps.web.access import StaffPageMixin, object_or_404
from apps.web.feedback import ActionView, add_form_error
from apps.web.staff import forms
from apps.web.staff.views import PAGE_SIZE, DeskPage, _int_or_none, _query_without_page
from apps.wishes.models import WishCategory

ACCEPT_DEADLINE_DAYS = 14  # the prefilled deadline of a wish made from a request
TITLE_FROM_NEED = 30  # characters of the need that prefill the wish's title


class RequestFilterForm(Form):
    status = django_forms.ChoiceField(
        label=gettext_lazy("Status"), choices=[("", gettext_lazy("All"))] + RequestStatus.choices, required=False
    )


class RequestAcceptForm(forms.WishCreateForm):
    """The wish form without the resident (the request's name, number and address go into the wish) and with the
    choice of giving the wish the resident's photo."""

    use_photo = django_forms.BooleanField(label=gettext_lazy("Give the wish the resident's photo"), required=False)

    def __init__(self, *args, scope, request_obj, **kwargs):
        super().__init__(*args, scope=scope, **kwargs)
        for name in ("resident_name", "resident_phone", "resident_address", "photo"):
            del self.fields[name]
        self.fields["grid"].queryset = self.fields["grid"].queryset.filter(community_id=request_obj.community_id)
        if not request_obj.photo:
            del self.fields["use_photo"]


def desk_requests(user):
    return selectors.request_list(user=user)


def _request(user, pk):
    return object_or_404(desk_requests(user), pk)


class RequestListView(DeskPage):
    template_name = "web/staff/requests.html"
    subnav = "requests"
    title = gettext_lazy("Resident requests")

    def get_context_data(self, **kwargs):
        data = self.request.GET if "status" in self.request.GET else {"status": RequestStatus.RECEIVED}
        filters = RequestFilterForm(data)
        requests = desk_requests(self.request.user)
        if filters.is_valid():
            status = filters.cleaned_data["status"]
            requests = requests.filter(status=status) if status else requests
        else:
            requests = requests.none()
        page_obj = Paginator(requests, PAGE_SIZE).get_page(self.request.GET.get("page"))
        for row in page_obj.object_list:
            row.stage = selectors.request_stage(row)
        return super().get_context_data(
            filters=filters,
            page_obj=page_obj,
            query=_query_without_page(self.request),
            posters=forms.communities_for(self.scope).distinct(),
            **kwargs,
        )


class RequestDetailView(DeskPage):
    template_name = "web/staff/request_detail.html"
    subnav = "requests"

    def get_context_data(self, **kwargs):
        user = self.request.user
        request_obj = _request(user, self.kwargs["pk"])
        deciding = request_obj.status == RequestStatus.RECEIVED and may_decide(user, request_obj)
        return super().get_context_data(
            request_obj=request_obj,
            title=_("Resident request #%(id)s") % {"id": request_obj.pk},
            stage=selectors.request_stage(request_obj),
            deciding=deciding,
            mergeable=list(selectors.mergeable_wishes(user=user, request=request_obj)[:50]) if deciding else [],
            **kwargs,
        )


class RequestAcceptView(StaffPageMixin, FormView):
    """Accept into a new wish: the wish form, prefilled from the request."""

    template_name = "web/staff/request_accept.html"

    @cached_property
    def request_obj(self):
        """Read after the role gate (dispatch), on first use."""
        return _request(self.request.user, self.kwargs["pk"])

    def get_form(self, form_class=None):
        return RequestAcceptForm(**self.get_form_kwargs())

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "scope": self.scope, "request_obj": self.request_obj}

    def get_initial(self):
        need = self.request_obj.need
        deadline = timezone.localtime() + timedelta(days=ACCEPT_DEADLINE_DAYS)
        return {
            "grid": self.request_obj.grid_id,
            "title": " ".join(need.split())[:TITLE_FROM_NEED],
            "story": need,
            "category": WishCategory.DAILY,
            "deadline": deadline.replace(second=0, microsecond=0),
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            subnav="requests",
            title=_("Accept into a new wish"),
            request_obj=self.request_obj,
            **kwargs,
        )

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        data["form"] = data.pop("wish_form")
        try:
            request_obj = services.resident_request_accept(request=self.request_obj, actor=self.request.user, **data)
        except DomainError as error:
            add_form_error(form, error)
            return self.form_invalid(form)
        except ValidationError as error:  # the wish model's own checks, rolled back with the transaction
            for field, errors in error.message_dict.items():
                field = "wish_form" if field == "form" else field
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        messages.success(
            self.request, _("The request was accepted into a new wish: %(title)s.") % {"title": request_obj.wish.title}
        )
        return HttpResponseRedirect(reverse("staff:wish-detail", args=[request_obj.wish_id]))


class _RequestAction(StaffPageMixin, ActionView):
    def redirect_to(self, pk):
        return reverse("staff:resident-request", args=[pk])


class RequestMergeView(_RequestAction):
    def perform(self, request, pk):
        request_obj = _request(request.user, pk)
        wish = selectors.merge_target(user=request.user, pk=_int_or_none(request.POST.get("wish")))
        if wish is None:
            raise Invalid("wish_required", _("Choose the wish to merge the request into."))
        services.resident_request_merge(request=request_obj, actor=request.user, wish=wish)
        return _("The request was merged into the wish %(title)s.") % {"title": wish.title}


class RequestDeclineView(_RequestAction):
    def perform(self, request, pk):
        services.resident_request_decline(
            request=_request(request.user, pk), actor=request.user, reason=request.POST.get("reason", "")
        )
        return _("The request was declined; the resident can read the reason.")


class PosterView(DeskPage):
    """A community's printable poster: the QR code of its order form (居民点单), to put up in the compounds."""

    template_name = "web/staff/request_poster.html"
    subnav = "requests"

    def get_context_data(self, **kwargs):
        community = object_or_404(forms.communities_for(self.scope).distinct(), self.kwargs["pk"])
        order_url = self.request.build_absolute_uri(reverse("residents:order", args=[community.code]))
        return super().get_context_data(
            community=community,
            title=_("Poster: %(community)s") % {"community": community.name},
            order_url=order_url,
            qr_svg=segno.make(order_url, error="m").svg_inline(scale=8, omitsize=True, title=_("Order form QR code")),
            **kwargs,
        )
