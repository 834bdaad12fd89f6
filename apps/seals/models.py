"""Seals over the ledger: each seal covers, in order, the leaves (one per sealed service record or audit entry) it
adds, and the digest of the seal before it, so that the seals form one hash chain. Append-only, written only by
apps.seals.services."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LeafKind(models.IntegerChoices):
    AUDIT = 1, _("audit entry")
    RECORD = 2, _("service record")


class Seal(models.Model):
    """One link of the chain: leaves `first_position`..`last_position`, their root, and the previous seal's digest.

    `audit_settled` / `record_settled`: every audit entry written (`at`) and every service record decided
    (`decided_at`) before these times was sealed by this seal or an earlier one. The next seal looks for new leaves
    only from there on, and the verifier calls an unsealed row from before them inserted.
    """

    seq = models.PositiveBigIntegerField(_("seal number"), unique=True)
    sealed_at = models.DateTimeField(_("sealed at"), db_index=True)
    first_position = models.BigIntegerField(_("first leaf"))
    last_position = models.BigIntegerField(_("last leaf"))
    root = models.CharField(_("root"), max_length=64)
    previous = models.CharField(_("previous seal"), max_length=64)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    audit_settled = models.DateTimeField(_("audit entries sealed before"), null=True, blank=True)
    record_settled = models.DateTimeField(_("records sealed before"), null=True, blank=True)

    class Meta:
        verbose_name = _("seal")
        verbose_name_plural = _("seals")
        ordering = ["seq"]

    def __str__(self):
        return f"{self.seq}:{self.digest}"

    @property
    def leaf_count(self):
        return self.last_position - self.first_position + 1

    @property
    def witness(self):
        """The seal as it is printed and sent: its number and digest, e.g. `1842:9f3a…`."""
        return f"{self.seq}:{self.digest}"


class SealLeaf(models.Model):
    """One sealed row: which (kind, row id) it is, its place in the chain, and the SHA-256 of its canonical
    encoding when it was sealed (apps.seals.canonical)."""

    position = models.BigIntegerField(_("position"), primary_key=True)
    kind = models.PositiveSmallIntegerField(_("kind"), choices=LeafKind.choices)
    row_id = models.BigIntegerField(_("row id"))
    digest = models.BinaryField(_("digest"), max_length=32)

    class Meta:
        verbose_name = _("sealed entry")
        verbose_name_plural = _("sealed entries")
        constraints = [models.UniqueConstraint(fields=["kind", "row_id"], name="seal_leaf_once")]

    def __str__(self):
        return f"{self.position}: {self.get_kind_display()} #{self.row_id}"


class LedgerCheck(models.Model):
    """One verification of the whole ledger against its seals (manage.py verify_ledger or the nightly job)."""

    started_at = models.DateTimeField(_("started at"), db_index=True)
    finished_at = models.DateTimeField(_("finished at"))
    ok = models.BooleanField(_("verified"))
    seals = models.PositiveBigIntegerField(_("seals"))
    leaves = models.PositiveBigIntegerField(_("sealed entries"))
    last_seal = models.CharField(_("last seal"), max_length=90, blank=True)
    problems = models.JSONField(_("problems"), default=list)
    problem_count = models.PositiveIntegerField(_("problems found"), default=0)

    class Meta:
        verbose_name = _("ledger verification")
        verbose_name_plural = _("ledger verifications")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} {'ok' if self.ok else self.problem_count}"
