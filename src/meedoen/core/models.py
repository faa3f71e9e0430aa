"""The audit log: an append-only record of who did or saw what, for whom, why and when."""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditLogAppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit record."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditLogAppendOnlyError("audit events cannot be updated")

    def delete(self) -> NoReturn:
        raise AuditLogAppendOnlyError("audit events cannot be deleted")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditLogAppendOnlyError("audit events cannot be updated")


class AuditEvent(models.Model):
    """One thing that happened. Ids rather than foreign keys, so no deletion elsewhere can touch it.

    ``subject_ref`` is the pseudonymous reference of the resident whose data was involved, so a
    resident can see who saw their data without the log holding their name.

    The table is indexed for the ways it is read (``core.selectors``): a municipality's records,
    newest first; the reads of one resident's data; the records of one object (a case and its
    signals, on the audit log page); and, on PostgreSQL, one person's records by their label
    (migration ``0004``: an index on ``UPPER(actor_label)`` for ``iexact`` and ``istartswith``,
    which SQLite cannot build). Every other index would be written with each record and read by
    nobody; most records are written by the intake of early signals, a record per signal, where
    indexes cost more than the rest of writing the record (docs/benchmarks.md). The object index
    is cheap there: a signal's id is a UUIDv7, so its records are added at the index's end.
    """

    class Kind(models.TextChoices):
        CHANGE = "change", _("change")
        READ = "read", _("read of personal data")
        ACCESS = "access", _("login or access decision")

    created_at = models.DateTimeField(_("when"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    action = models.CharField(_("action"), max_length=100)
    actor_id = models.BigIntegerField(_("actor"), null=True, blank=True)
    actor_label = models.CharField(_("actor label"), max_length=150, blank=True)
    municipality_id = models.BigIntegerField(_("municipality"), null=True, blank=True)
    organisation_id = models.BigIntegerField(_("organisation"), null=True, blank=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    subject_ref = models.CharField(_("whose data"), max_length=64, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["municipality_id", "created_at", "id"], name="core_audit_of_municipality"),
            models.Index(
                fields=["subject_ref", "created_at"],
                condition=models.Q(kind="read"),
                name="core_audit_reads_of_subject",
            ),
            models.Index(
                fields=["municipality_id", "object_type", "object_id"],
                condition=~models.Q(object_id=""),
                name="core_audit_of_object",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or kwargs.get("force_update") or kwargs.get("update_fields"):
            raise AuditLogAppendOnlyError("audit events cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditLogAppendOnlyError("audit events cannot be deleted")
