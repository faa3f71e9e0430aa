"""The objects of audit records as an auditor knows them: by kind (the model's own name, in the
reader's language) and by the identifier the rest of the workspace shows (a UUID, a CBS code),
never by the database's number; linked to the object's page for those who may open it. And the
other way round: the records of an object, found by the identifier an auditor pastes.

Only the identifier column of an object is read here, never what else it holds."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.urls import reverse

from meedoen.core.access import Actor, Role
from meedoen.core.models import AuditEvent
from meedoen.early_signals.models import Case, CaseJoin, CaseSeparation, Signal, case_number_end
from meedoen.entitlements.services import KEEPERS
from meedoen.organisations.models import Municipality

CASE_TYPE = Case._meta.label_lower
SIGNAL_TYPE = Signal._meta.label_lower
MAX_OBJECTS = 100
"""At most this many objects share an identifier that an auditor asks for (a period's code is the
same in every compass)."""

_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.IGNORECASE)


@dataclass(frozen=True)
class ObjectKind:
    """How an object is named: ``identifier`` is the field shown and searched (none: the kind
    alone); ``url_name`` its page, for staff with one of ``roles`` in the municipality, and with
    ``own_organisation`` only for those of the object's organisation. ``scoped`` objects belong
    to one municipality, and are only found in the one the auditor works in."""

    identifier: str = ""
    url_name: str = ""
    roles: tuple[str, ...] = ()
    own_organisation: bool = False
    scoped: bool = False


KINDS: dict[str, ObjectKind] = {
    CASE_TYPE: ObjectKind("uuid", "workspace:early-signals-case", (Role.EARLY_SIGNALS_OFFICER,), scoped=True),
    SIGNAL_TYPE: ObjectKind("uuid", scoped=True),
    "early_signals.delivery": ObjectKind("uuid"),
    "early_signals.creditortoken": ObjectKind("prefix"),
    "socialmap.offer": ObjectKind("uuid", "workspace:offer-edit", (Role.OFFER_MAINTAINER,), own_organisation=True),
    "socialmap.location": ObjectKind(
        "uuid", "workspace:location-edit", (Role.OFFER_MAINTAINER,), own_organisation=True, scoped=True
    ),
    "entitlements.scheme": ObjectKind("uuid", "workspace:scheme-edit", tuple(KEEPERS), scoped=True),
    "areas.area": ObjectKind("code"),
    "organisations.municipality": ObjectKind("code"),
    "organisations.organisation": ObjectKind("slug"),
    "accounts.user": ObjectKind("username"),
    "ledger.entry": ObjectKind("index"),
    "compass.indicator": ObjectKind("code"),
    "compass.reportingperiod": ObjectKind("code"),
}
"""Kinds of objects with an identifier of their own. Every other kind (a compass, a role, the
settings of early signalling) is named by its kind alone."""


@dataclass(frozen=True)
class ShownObject:
    kind: str
    identifier: str = ""
    url: str = ""
    # The kind has an identifier, but the object is no longer there to read it from.
    gone: bool = False


def objects_shown(
    events: Iterable[AuditEvent], *, actor: Actor, municipality: Municipality, links: bool = True
) -> dict[tuple[str, str], ShownObject]:
    """The objects that ``events`` name, keyed by (object type, object id) as the records hold
    them; one query per kind of object."""
    wanted: dict[str, set[str]] = {}
    for event in events:
        if event.object_type:
            wanted.setdefault(event.object_type, set()).add(event.object_id)
    shown: dict[tuple[str, str], ShownObject] = {}
    for object_type, ids in wanted.items():
        model = _model(object_type)
        kind = KINDS.get(object_type)
        label = str(model._meta.verbose_name) if model is not None else object_type
        found: dict[str, tuple[str, int | None]] = {}
        if model is not None and kind is not None:
            found = _identifiers(model, kind, {int(pk) for pk in ids if pk.isdigit()}, municipality)
        for object_id in ids:
            if kind is None:
                shown[(object_type, object_id)] = ShownObject(label)
                continue
            identifier, organisation_id = found.get(object_id, ("", None))
            url = _url(kind, identifier, organisation_id, actor, municipality) if links and identifier else ""
            shown[(object_type, object_id)] = ShownObject(label, identifier, url, gone=not identifier)
    return shown


def identifier_in(text: str) -> str:
    """What an auditor pasted, as an identifier to look for: the UUID in it (also from the address
    of a page), else the text itself."""
    found = _UUID.search(text)
    return str(uuid.UUID(found.group())) if found else text.strip()


def objects_named(identifier: str, *, municipality: Municipality) -> tuple[tuple[str, str], ...]:
    """The (object type, object id) pairs of the objects with ``identifier`` (as
    :func:`identifier_in` gives it), as audit records name them: a case also by its case number,
    with the cases joined with it or it with, the cases signals moved out of it opened or the one
    it was opened from, and with their signals, whose receipt is part of the case's trail."""
    wanted = _as_uuid(identifier)
    found: list[tuple[str, str]] = []
    cases: list[str] = []
    number = case_number_end(identifier)
    if number is not None:
        by_number = Case.objects.filter(municipality=municipality, uuid__iendswith=number)
        cases += [str(pk) for pk in by_number.values_list("pk", flat=True)[:MAX_OBJECTS]]
    for object_type, kind in KINDS.items():
        model = _model(object_type)
        if model is None:
            continue
        lookup = _lookup(model, kind.identifier, identifier, wanted)
        if lookup is None:
            continue
        objects = _in_municipality(model._default_manager.filter(**lookup), kind, municipality)
        keys = [str(pk) for pk in objects.values_list("pk", flat=True)[:MAX_OBJECTS]]
        if object_type == CASE_TYPE:
            cases += keys
        else:
            found += [(object_type, key) for key in keys]
    if cases:
        # Cases joined with each other share a trail: the one kept holds the other's signals, or held
        # them until the join was undone (the records of both name the case kept). So do a case and
        # the one that signals moved out of it opened: it held them until then.
        joins = CaseJoin.objects.filter(Q(kept_id__in=cases) | Q(joined_id__in=cases))
        separations = CaseSeparation.objects.filter(Q(case_id__in=cases) | Q(into_id__in=cases))
        joined = Case.objects.filter(municipality=municipality).filter(
            Q(joined_into_id__in=cases)
            | Q(pk__in=Case.objects.filter(pk__in=cases).values("joined_into_id"))
            | Q(pk__in=joins.values("kept_id"))
            | Q(pk__in=joins.values("joined_id"))
            | Q(pk__in=separations.values("case_id"))
            | Q(pk__in=separations.values("into_id"))
        )
        cases += [str(pk) for pk in joined.values_list("pk", flat=True)[:MAX_OBJECTS]]
        found += [(CASE_TYPE, key) for key in dict.fromkeys(cases)]
        signals = Signal.objects.filter(case_id__in=cases, municipality=municipality)
        found += [(SIGNAL_TYPE, str(pk)) for pk in signals.values_list("pk", flat=True)[:MAX_OBJECTS]]
    return tuple(found)


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _as_uuid(identifier: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(identifier)
    except ValueError:
        return None


def _lookup(
    model: type[models.Model], field_name: str, identifier: str, wanted: uuid.UUID | None
) -> dict[str, object] | None:
    """The filter that finds an object of ``model`` by ``identifier``; None when it cannot be one."""
    if not field_name:
        return None
    try:
        field = model._meta.get_field(field_name)
    except FieldDoesNotExist:
        return None
    if isinstance(field, models.UUIDField):
        return {field_name: wanted} if wanted is not None else None
    if wanted is not None:
        # A UUID names an object by its UUID only.
        return None
    if isinstance(field, models.IntegerField):
        return {field_name: int(identifier)} if identifier.isdigit() and len(identifier) < 19 else None
    max_length = getattr(field, "max_length", None)
    if not identifier or (max_length is not None and len(identifier) > max_length):
        return None
    return {f"{field_name}__iexact": identifier}


def _in_municipality(
    objects: models.QuerySet[models.Model], kind: ObjectKind, municipality: Municipality
) -> models.QuerySet[models.Model]:
    return objects.filter(municipality=municipality) if kind.scoped else objects


def _identifiers(
    model: type[models.Model], kind: ObjectKind, pks: set[int], municipality: Municipality
) -> dict[str, tuple[str, int | None]]:
    if not pks or not kind.identifier:
        return {}
    columns = ["pk", kind.identifier, *(["organisation_id"] if kind.own_organisation else [])]
    rows = _in_municipality(model._default_manager.filter(pk__in=pks), kind, municipality).values_list(*columns)
    found: dict[str, tuple[str, int | None]] = {}
    for pk, identifier, *organisation in rows:
        if identifier is not None and identifier != "":
            found[str(pk)] = (str(identifier), organisation[0] if organisation else None)
    return found


def _url(
    kind: ObjectKind, identifier: str, organisation_id: int | None, actor: Actor, municipality: Municipality
) -> str:
    """The object's page, when the actor may open it."""
    if not kind.url_name or not actor.second_factor:
        return ""
    if not any(actor.has_role(role, municipality_id=municipality.pk) for role in kind.roles):
        return ""
    if kind.own_organisation and organisation_id not in actor.organisation_ids(municipality.pk, *kind.roles):
        return ""
    return reverse(kind.url_name, args=[identifier])
