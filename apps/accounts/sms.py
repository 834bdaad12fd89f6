"""Text messages (SMS): send_sms() hands a message to the backend class named by the SMS_BACKEND setting.

Modelled on Django's e-mail backends. Two come with the platform: ConsoleBackend (the default, for development:
prints each message, number and text in full, on standard output) and LocmemBackend (the tests: appends to
`outbox`). To send through a provider, subclass BaseBackend in a module of your own, implement
`send_messages(messages)` (a list of (phone, text) pairs; return how many were accepted; raise on failure unless
`fail_silently`), and set SMS_BACKEND to its dotted path, e.g. `SMS_BACKEND=myproject.sms.ProviderBackend`.
Provider credentials come from settings or the environment, read in `__init__`. A backend must not put the text of a
message in its exceptions or log lines: the text of a one-time code message is the code. docs/deployment.md,
"Text messages (SMS)", says the same for operators.
"""

import sys
import threading

from django.conf import settings
from django.utils.module_loading import import_string

# What LocmemBackend has sent: (phone, text) pairs, oldest first. Cleared in place, never rebound, so that a module
# that imported it keeps seeing the same list.
outbox = []


class BaseBackend:
    """A way of sending text messages. Subclasses implement send_messages."""

    def __init__(self, fail_silently=False, **kwargs):
        self.fail_silently = fail_silently

    def send_messages(self, messages):
        """Send each (phone, text) of `messages`; return how many were sent."""
        raise NotImplementedError("an SMS backend must implement send_messages()")


class ConsoleBackend(BaseBackend):
    """Prints every message on standard output (or `stream`): in development the console is the phone."""

    def __init__(self, *args, stream=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()  # messages from parallel requests do not interleave

    def send_messages(self, messages):
        with self._lock:
            for phone, text in messages:
                self.stream.write(f"SMS to {phone}: {text}\n")
            self.stream.flush()
        return len(messages)


class LocmemBackend(BaseBackend):
    """Keeps every message in `outbox`, for the tests."""

    def send_messages(self, messages):
        outbox.extend((phone, text) for phone, text in messages)
        return len(messages)


def get_backend(backend=None, **kwargs):
    """An instance of `backend` (a dotted path), by default the SMS_BACKEND setting's."""
    return import_string(backend or settings.SMS_BACKEND)(**kwargs)


def send_sms(phone, message, *, fail_silently=False, backend=None):
    """Send one text message to `phone`; returns how many were sent (0 or 1)."""
    return get_backend(backend, fail_silently=fail_silently).send_messages([(phone, str(message))])
