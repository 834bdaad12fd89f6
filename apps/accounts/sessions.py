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
from django.db import connection
from django.utils import timezone

_loaded = Local()

# The column the session's data is read into, beside the user's fields (no field of User has this name).
_DATA = "login_session_data"


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
        found = self._session_and_user()
        if found is None:
            self._session_key = None  # as Django's database sessions do when the session is gone or expired
            _loaded.user = None
            return {}
        session_data, _loaded.user = found
        return self.decode(session_data)

    def _session_and_user(self):
        """(the session's data, its user or None) of the unexpired session, or None: one query, written out
        rather than built by the ORM (every request makes it; the user's fields go through Django's converters)."""
        if not self.session_key:
            return None
        from apps.accounts.models import LoginSession, User

        q = connection.ops.quote_name
        columns = ", ".join(f"u.{q(f.column)}" for f in User._meta.concrete_fields)
        rows = User.objects.raw(
            f"SELECT {columns}, s.session_data AS {q(_DATA)} FROM {q(LoginSession._meta.db_table)} s"
            f" LEFT OUTER JOIN {q(User._meta.db_table)} u ON u.{q(User._meta.pk.column)} = s.user_id"
            " WHERE s.session_key = %s AND s.expire_date > %s",
            [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())],
        )
        for row in rows:
            return getattr(row, _DATA), (row if row.pk is not None else None)
        return None

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
