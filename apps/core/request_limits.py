"""A request over Django's size limits: one stable code and a translated message for the API and the pages alike.

Django refuses a request body larger than DATA_UPLOAD_MAX_MEMORY_SIZE (uploaded files not counted), with more than
DATA_UPLOAD_MAX_NUMBER_FIELDS fields or more than DATA_UPLOAD_MAX_NUMBER_FILES files, by raising RequestDataTooBig,
TooManyFieldsSent or TooManyFilesSent when the body is first read. Left alone, those become Django's bare HTML
"Bad Request (400)" page. The API's exception handler (apps.core.api.exception_handler) answers them with its JSON
error, and the pages' 400 handler (apps.web.error_pages.bad_request) with a page, both 413 `request_too_large`.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

REQUEST_TOO_LARGE = "request_too_large"
STATUS_CODE = 413  # Content Too Large


def request_too_large_message(exc):
    """The translated message for an exception raised because the request is over a limit, else None."""
    if isinstance(exc, RequestDataTooBig):
        size = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        return _("The request is too large (%(size)s at most, not counting uploaded files).") % {"size": size}
    if isinstance(exc, TooManyFieldsSent):
        return _("The request has too many fields (%(max)s at most).") % {"max": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}
    if isinstance(exc, TooManyFilesSent):
        return _("The request has too many files (%(max)s at most).") % {"max": settings.DATA_UPLOAD_MAX_NUMBER_FILES}
    return None
