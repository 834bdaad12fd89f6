"""The residents' order pages (居民点单, 查单, 验单): public, mobile-first, no account.

The order form comes in two steps, as the first sign-in does: a one-time code to the number, then the request with
the code. The tracking page answers only to the holder of the token (sent by text message and shown after
submitting); it shows the resident's own need in full and everything else about them masked. Every page here is
kept out of search engines and caches, and sends no referrer to other sites (the token is in the address).
"""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from apps.accounts import codes
from apps.accounts.lockout import client_address
from apps.core.errors import DomainError
from apps.core.masking import mask_name, mask_phone
from apps.residents import selectors, services
from apps.web.feedback import ActionView, add_form_error
from apps.web.residents import forms

RESIDENT_PHONE = "resident_request_phone"
# The tracking token of the request a duplicate pointed to, for the page shown after the refusal.
DUPLICATE_OF = "resident_request_duplicate"

# What each stage of 查单 reads as (apps.residents.selectors.request_stage).
STAGE_LABELS = {
    selectors.STAGE_RECEIVED: gettext_lazy("Received"),
    selectors.STAGE_ACCEPTED: gettext_lazy("Accepted"),
    selectors.STAGE_CLAIMED: gettext_lazy("Claimed by a volunteer"),
    selectors.STAGE_DONE: gettext_lazy("Done"),
    selectors.STAGE_DECLINED: gettext_lazy("Declined"),
    selectors.STAGE_CANCELLED: gettext_lazy("Cancelled"),
    selectors.STAGE_EXPIRED: gettext_lazy("Expired: nobody took it up in time"),
}


def _private(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    # Not "no-referrer": a browser then sends its forms' POSTs with "Origin: null", which the CSRF check refuses.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


class _PublicPage:
    def dispatch(self, request, *args, **kwargs):
        return _private(super().dispatch(request, *args, **kwargs))


class _CommunityPage(_PublicPage):
    """A page of one community's poster: by its code, or its id."""

    def dispatch(self, request, *args, **kwargs):
        self.community = selectors.poster_community(kwargs["community"])
        if self.community is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(community=self.community, title=_("Ask for help"), **kwargs)


class CodeView(_CommunityPage, FormView):
    template_name = "web/residents/order.html"
    form_class = forms.CodeForm

    def get_initial(self):
        return {"phone": self.request.session.get(RESIDENT_PHONE, "")}

    def form_valid(self, form):
        try:
            phone = services.resident_request_code_send(
                phone=form.cleaned_data["phone"], ip=client_address(self.request)
            )
        except DomainError as error:
            add_form_error(form, error)
            return self.form_invalid(form)
        self.request.session[RESIDENT_PHONE] = phone
        messages.success(self.request, codes.code_sent_message(phone))
        return redirect("residents:submit", community=self.kwargs["community"])


class SubmitView(_CommunityPage, FormView):
    template_name = "web/residents/submit.html"
    form_class = forms.SubmitForm

    def dispatch(self, request, *args, **kwargs):
        self.phone = request.session.get(RESIDENT_PHONE)
        if not self.phone:
            return _private(redirect("residents:order", community=kwargs["community"]))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(masked_phone=mask_phone(self.phone), **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            request_obj = services.resident_request_submit(
                name=data["name"],
                phone=self.phone,
                code=data["code"],
                address=data["address"],
                need=data["need"],
                photo=data["photo"] or None,
                via_community=self.community,
                site_url=self.request.build_absolute_uri("/"),
            )
        except DomainError as error:
            add_form_error(form, error)
            existing = getattr(error, "existing", None)
            context = {"duplicate_url": reverse("residents:track", args=[existing.token])} if existing else {}
            return self.render_to_response(self.get_context_data(form=form, **context))
        self.request.session.pop(RESIDENT_PHONE, None)
        messages.success(
            self.request,
            _("Your request was received. We sent this page's link to %(phone)s: keep it to follow your request.")
            % {"phone": mask_phone(request_obj.phone)},
        )
        return HttpResponseRedirect(services.tracking_path(request_obj))


class TrackView(_PublicPage, TemplateView):
    """查单 and 验单: the request's progress, and the rating once its wish is done."""

    template_name = "web/residents/track.html"

    def get_context_data(self, **kwargs):
        request_obj = selectors.request_by_token(token=self.kwargs["token"])
        if request_obj is None:
            raise Http404
        stage = selectors.request_stage(request_obj)
        reached = selectors.STAGES.index(stage) if stage in selectors.STAGES else -1
        steps = [
            {"key": key, "label": STAGE_LABELS[key], "reached": index <= reached}
            for index, key in enumerate(selectors.STAGES)
        ]
        may_rate = stage == selectors.STAGE_DONE and request_obj.resident_rating is None
        return super().get_context_data(
            title=_("Your request"),
            request_obj=request_obj,
            stage=stage,
            stage_label=STAGE_LABELS[stage],
            steps=steps,
            name=mask_name(request_obj.name),
            phone=mask_phone(request_obj.phone),
            form=forms.RateForm() if may_rate else None,
            **kwargs,
        )


class RateView(_PublicPage, ActionView):
    def perform(self, request, token):
        try:
            rating = int(request.POST.get("rating", ""))
        except ValueError:
            rating = None
        services.resident_request_rate(token=token, rating=rating, comment=request.POST.get("comment", ""))
        return _("Thank you: your rating was recorded.")

    def redirect_to(self, token):
        return reverse("residents:track", args=[token])
