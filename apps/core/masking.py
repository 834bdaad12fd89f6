"""Masking of personal data for viewers whose role does not need it in full (phones, names, ID numbers), and for
logs and error reports (mobile numbers in free text, passwords). docs/privacy.md says who sees what."""

import logging
import re
from pprint import pformat

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter


def mask_phone(phone):
    """13912345678 -> 139****5678."""
    if not phone or len(phone) < 7:
        return "***"
    return f"{phone[:3]}****{phone[-4:]}"


def mask_name(name):
    """张三丰 -> 张**; a name keeps only its first character."""
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_id_number(id_number):
    """330102199001011234 -> 3301**********1234."""
    if not id_number or len(id_number) < 8:
        return "****"
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


# --- free text: logs and error reports --------------------------------------------------------------------------

# A mainland mobile number (11 digits starting 13-19), optionally after +86 / 0086, not inside a longer number.
MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86[- ]?|0086[- ]?)?(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def mask_phones_in_text(text):
    """Every mobile number in `text` masked as mask_phone does: "call 13912345678" -> "call 139****5678"."""
    if not text:
        return text
    return MOBILE_IN_TEXT.sub(lambda m: f"{m.group(1)}****{m.group(3)}", str(text))


class MaskPhonesFilter(logging.Filter):
    """A logging filter (on handlers) that masks mobile numbers in the message, its arguments and the traceback.

    The message is formatted once here (as the handler would) and replaced by its masked text, so a phone passed
    as an argument (`logger.info("login %s", phone)`) is masked too; never drops a record.
    """

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler's own error reporting
            return True
        record.msg = mask_phones_in_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_phones_in_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_phones_in_text(record.stack_info)
        return True


class PersonalDataExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's error reports (500 pages with DEBUG, the e-mails to ADMINS) without passwords or mobile numbers.

    On top of Django's filter (settings and headers named like secrets, sensitive_post_parameters): POST fields
    named like a password or token are hidden on every view, mobile numbers in every POST value, header and
    local variable are masked, and local variables named like a secret are hidden.
    """

    hidden_settings = re.compile("API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|CSRF|SESSION", flags=re.I)

    def cleanse_setting(self, key, value):
        value = super().cleanse_setting(key, value)
        return mask_phones_in_text(value) if isinstance(value, str) else value

    def get_post_parameters(self, request):
        if request is None:
            return {}
        cleansed = super().get_post_parameters(request).copy()
        for key in list(cleansed.keys()):
            if self.hidden_settings.search(key):
                cleansed[key] = self.cleansed_substitute
            else:
                cleansed.setlist(key, [mask_phones_in_text(value) for value in cleansed.getlist(key)])
        return cleansed

    def get_traceback_frame_variables(self, request, tb_frame):
        cleansed = []
        for name, value in super().get_traceback_frame_variables(request, tb_frame):
            if self.hidden_settings.search(name):
                value = self.cleansed_substitute
            elif isinstance(value, str):
                value = mask_phones_in_text(value)
            else:
                value = _masked_repr(value)
            cleansed.append((name, value))
        return cleansed


def _masked_repr(value):
    """`value` unchanged unless its printed form holds a mobile number; then that form, masked (as a string)."""
    try:
        shown = pformat(value)
    except Exception:  # the report prints what it can; a broken __repr__ is Django's to handle
        return value
    masked = mask_phones_in_text(shown)
    return value if masked == shown else masked


class PersonalDataExceptionReporter(ExceptionReporter):
    """Django's error report with what its filter does not cover masked too: the query parameters and the URL, the
    user (a user prints as "name (phone)") and the exception's message."""

    masked_keys = ("request_insecure_uri", "user_str", "exception_value", "exception_notes")

    def get_traceback_data(self):
        data = super().get_traceback_data()
        if "request_GET_items" in data:
            data["request_GET_items"] = [(key, mask_phones_in_text(value)) for key, value in self.request.GET.items()]
        for key in self.masked_keys:
            if isinstance(data.get(key), str):
                data[key] = mask_phones_in_text(data[key])
        return data
