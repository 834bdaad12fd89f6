"""Sessions that read their user in the same query (SESSION_ENGINE), and the authentication backend that takes it.

Every signed-in page otherwise opens with two reads, the session and then its user. Here the session row holds the
user's id as a column (LoginSession.user, written whenever the session is saved), the session is read with its user
joined, and the backend (SessionUserBackend, in AUTHENTICATION_BACKENDS) hands that user to django.contrib.auth
instead of reading it again. Django's checks stay as they are: the user id and backend come from the session data,
the session's password hash is compared with the user's, and an inactive user is refused.

The user read with the session is kept for this thread until the next session read or the end of the request, and
only for the same user id: a request can never receive another request's user.
"""

from asgiref.local import Local
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.signals import request_finished, request_started

_loaded = Local()


def _forget(**_kwargs):
    _loaded.user = None


request_started.connect(_forget, dispatch_uid="accounts.sessions.forget_on_start")
request_finished.connect(_forget, dispatch_uid="accounts.sessions.forget_on_finish")


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls):
        from apps.accounts.models import LoginSession

        return LoginSession

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        try:
            instance.user_id = int(data.get(SESSION_KEY))
        except (TypeError, ValueError):
            instance.user_id = None
        return instance

    def load(self):
        session = self._get_session_from_db()  # LoginSession's manager joins the user
        _loaded.user = session.user if session is not None else None
        return self.decode(session.session_data) if session is not None else {}

    async def aload(self):
        session = await self._aget_session_from_db()
        _loaded.user = session.user if session is not None else None
        return self.decode(session.session_data) if session is not None else {}


class SessionUserBackend(ModelBackend):
    """ModelBackend whose get_user takes the user read with the session when the ids match."""

    def get_user(self, user_id):
        user = getattr(_loaded, "user", None)
        if user is not None and str(user.pk) == str(user_id):
            return user if self.user_can_authenticate(user) else None
        return super().get_user(user_id)
