"""How a page reports the outcome of a service call: a message on success, the domain error's message on failure.

Pages never re-implement a rule: they call the service and show what it says. A page shows the translated message
only; the stable code stays in the markup (`data-error-code` on the message) for the help desk and the tests.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from apps.core.errors import DomainError


def report_error(request, error):
    messages.error(request, error.message, extra_tags=f"code:{error.code}")


def safe_next(request, default):
    """The `next` URL from the form if it stays on this site, else the default."""
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


class ActionView(View):
    """A POST-only button: call one service, flash the outcome, redirect back (POST-redirect-GET).

    Subclasses implement `perform(request, **kwargs)` returning the success message, and `redirect_to(**kwargs)`.
    GET is refused (405): a GET never changes data.
    """

    http_method_names = ["post"]

    def perform(self, request, **kwargs):
        raise NotImplementedError

    def redirect_to(self, **kwargs):
        raise NotImplementedError

    def post(self, request, **kwargs):
        try:
            message = self.perform(request, **kwargs)
        except DomainError as error:
            report_error(request, error)
        else:
            if message:
                messages.success(request, message)
        return HttpResponseRedirect(safe_next(request, self.redirect_to(**kwargs)))


def add_form_error(form, error):
    """Show a domain error at the top of a form that is rendered again (the input is kept): its message only; the
    stable code stays on the form's error (`form.non_field_errors().as_data()`), for the tests and the logs."""
    form.add_error(None, ValidationError(error.message, code=error.code))
