"""Users log in by mainland mobile number; roles bind a user to the node of a tree they act on."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession, BaseSessionManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.models import BaseModel

PHONE_PATTERN = r"^1[3-9]\d{9}$"
phone_validator = RegexValidator(PHONE_PATTERN, _("Enter a valid 11-digit mainland mobile number."), "invalid_phone")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, phone, password=None, **extra):
        if not phone:
            raise ValueError("phone is required")
        user = self.model(phone=phone, **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, phone, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(phone, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    phone = models.CharField(_("mobile number"), max_length=11, unique=True, validators=[phone_validator])
    name = models.CharField(_("name"), max_length=50)
    email = models.EmailField(_("e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("admin site access"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return f"{self.name} ({self.phone})"


class Role(models.TextChoices):
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    GRID_WORKER = "grid_worker", _("Grid worker")
    BRANCH_SECRETARY = "branch_secretary", _("Branch secretary")
    ORGAN_REVIEWER = "organ_reviewer", _("Organ committee reviewer")
    DISTRICT_ADMIN = "district_admin", _("District administrator")
    STREET_ADMIN = "street_admin", _("Street administrator")


# Which scope column each role must fill; the others stay empty (enforced by a constraint).
ROLE_SCOPE_FIELD = {
    Role.COMMUNITY_STAFF: "community",
    Role.GRID_WORKER: "grid",
    Role.BRANCH_SECRETARY: "party_org",
    Role.ORGAN_REVIEWER: "organ",
    Role.DISTRICT_ADMIN: "district",
    Role.STREET_ADMIN: "street",
}
SCOPE_FIELDS = ("community", "grid", "party_org", "organ", "district", "street")


def _exactly_one_scope(role, field):
    return Q(role=role, **{f"{f}__isnull": f != field for f in SCOPE_FIELDS})


class RoleAssignment(BaseModel):
    """A user acting in a role on one node (member is not a role here: it is the Member profile)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    community = models.ForeignKey(
        "places.Community", null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("community")
    )
    grid = models.ForeignKey("places.Grid", null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("grid"))
    party_org = models.ForeignKey(
        "orgs.PartyOrg", null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("Party organization")
    )
    organ = models.ForeignKey("orgs.Organ", null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("organ"))
    district = models.ForeignKey(
        "places.District", null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("district")
    )
    street = models.ForeignKey(
        "places.Street", null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("street")
    )

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one_scope(Role.COMMUNITY_STAFF, "community")
                | _exactly_one_scope(Role.GRID_WORKER, "grid")
                | _exactly_one_scope(Role.BRANCH_SECRETARY, "party_org")
                | _exactly_one_scope(Role.ORGAN_REVIEWER, "organ")
                | _exactly_one_scope(Role.DISTRICT_ADMIN, "district")
                | _exactly_one_scope(Role.STREET_ADMIN, "street"),
                name="role_assignment_scope_matches_role",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()}"

    @property
    def scope_node(self):
        return getattr(self, ROLE_SCOPE_FIELD[self.role])


class CodePurpose(models.TextChoices):
    """What a one-time code proves. A purpose need not belong to an account: the code is tied to a number."""

    SET_PASSWORD = "set_password", _("Set password")
    RESIDENT_REQUEST = "resident_request", _("Resident request")


class OneTimeCode(models.Model):
    """A code sent by text message to a mobile number, kept only as a keyed hash (apps/accounts/codes.py).

    Every request leaves a row, sent or not (a number without an account gets none), so the rate limits count it.
    Tied to the number, not to a user, so a purpose can serve people without an account.
    """

    phone = models.CharField(_("mobile number"), max_length=11, validators=[phone_validator])
    purpose = models.CharField(_("purpose"), max_length=32, choices=CodePurpose.choices)
    code_hash = models.CharField(_("code hash"), max_length=128)
    ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    # Set by the service from its one clock reading, which the rate limits and the expiry are measured against.
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes = [
            models.Index(fields=["phone", "purpose", "created_at"], name="otc_phone_purpose_created"),
            models.Index(fields=["ip", "created_at"], name="otc_ip_created"),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} · {self.created_at:%Y-%m-%d %H:%M}"


class LoginSessionManager(BaseSessionManager):
    def get_queryset(self):
        return super().get_queryset().select_related("user")


class LoginSession(AbstractBaseSession):
    """A browser's session, with the signed-in user as a column (apps/accounts/sessions.py): a page reads the session
    and its user in one query. Deleting a user ends their sessions."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    objects = LoginSessionManager()

    class Meta:
        verbose_name = _("login session")
        verbose_name_plural = _("login sessions")

    @classmethod
    def get_session_store_class(cls):
        from apps.accounts.sessions import SessionStore

        return SessionStore
