"""Read Open Referral HSDS 3.0 data into plain objects, checking each against the official schema.

Accepts a JSON file (one object, a list of objects, or a paginated page with ``contents``), a
directory of such files, or a directory holding the tabular CSV package (``organizations.csv``,
``services.csv``, ... with ``datapackage.json``). Nested objects (a service's organization, a
service at location's location) are taken apart into objects of their own, each with the place it
came from, so that every problem can be named by file and JSON path or by file, row and column.
Nothing here touches the database; ``importer`` applies Meedoen's own rules and writes.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext as _
from jsonschema import (  # type: ignore[import-untyped]
    Draft202012Validator,
    FormatChecker,
    ValidationError,
    validators,
)
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from meedoen.core.json_input import decode_error_text, json_int

# Refuse any single file larger than this before reading it (tests make it small).
MAX_FILE_BYTES = 200 * 1024 * 1024
SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
# The objects Meedoen imports as objects of their own; everything else (phones, schedules, ...)
# lives inside one of them.
ENTITY_KINDS = ("organization", "service", "location", "service_at_location", "taxonomy", "taxonomy_term")
# Keys that nest one entity inside another in HSDS JSON; they are taken out before the nested
# object is checked against its own schema. (The compiled schemas add ``services`` to an
# organization and ``service`` to a service at location; the object schemas do not.)
NESTED_ENTITIES: dict[str, dict[str, tuple[str, bool]]] = {
    "service": {"organization": ("organization", False), "service_at_locations": ("service_at_location", True)},
    "organization": {"services": ("service", True), "locations": ("location", True)},
    "service_at_location": {"service": ("service", False), "location": ("location", False)},
    "location": {},
    "taxonomy": {},
    "taxonomy_term": {},
}
# File names that say which object a file holds (as in the examples, and in Meedoen's export).
FILE_NAMES = (
    ("service_at_location", "service_at_location"),
    ("taxonomy_term", "taxonomy_term"),
    ("organization", "organi"),
    ("service", "service"),
    ("location", "location"),
    ("taxonomy", "taxonom"),
)
API_ROOT_KEYS = frozenset({"version", "profile", "openapi_url"})
PAGE_KEYS = frozenset(
    {"total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"}
)
# Which table a CSV row hangs from, by column, in the order a parent must be complete before it is
# copied into its own parent.
DETAIL_LINKS: dict[str, dict[str, str]] = {
    "metadata": {},  # by resource_id, to any row
    "attribute": {},  # by link_id, to any row
    "language": {"phone_id": "phone", "service_id": "service", "location_id": "location"},
    "phone": {
        "contact_id": "contact",
        "organization_id": "organization",
        "service_id": "service",
        "location_id": "location",
        "service_at_location_id": "service_at_location",
    },
    "contact": {
        "organization_id": "organization",
        "service_id": "service",
        "location_id": "location",
        "service_at_location_id": "service_at_location",
    },
    "address": {"location_id": "location"},
    "accessibility": {"location_id": "location"},
    "schedule": {"service_id": "service", "location_id": "location", "service_at_location_id": "service_at_location"},
    "funding": {"organization_id": "organization", "service_id": "service"},
    "program": {"organization_id": "organization"},
    "organization_identifier": {"organization_id": "organization"},
    "service_area": {"service_id": "service"},
    "required_document": {"service_id": "service"},
    "cost_option": {"service_id": "service"},
    "meta_table_description": {},
}
# The list a detail object is kept in, inside its parent.
DETAIL_KEYS = {
    "metadata": "metadata",
    "attribute": "attributes",
    "language": "languages",
    "phone": "phones",
    "contact": "contacts",
    "address": "addresses",
    "accessibility": "accessibility",
    "schedule": "schedules",
    "funding": "funding",
    "program": "programs",
    "organization_identifier": "organization_identifiers",
    "service_area": "service_areas",
    "required_document": "required_documents",
    "cost_option": "cost_options",
}
VALUE_SHOWN = 60

_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])?$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DATETIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}")
_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or, as a warning, worth knowing), and where: file with JSON path or row."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class HsdsImportError(ValueError):
    """The data cannot be imported; ``problems`` names every offending place and why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "; ".join(str(problem) for problem in problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} problem(s): {shown}{more}")


@dataclass(frozen=True)
class Origin:
    """Where an object was read: ``where`` is a file with a JSON path, or a file with a row."""

    where: str
    tabular: bool = False

    def at(self, path: Iterable[str | int]) -> str:
        steps = list(path)
        if not steps:
            return self.where
        if self.tabular:
            return f"{self.where}, column {steps[0]}{json_path(steps[1:])}"
        return f"{self.where}{json_path(steps)}"


@dataclass
class Item:
    """One HSDS entity as read, merged over every place it occurs."""

    kind: str
    id: str
    data: dict[str, Any]
    origin: Origin
    top_level: bool
    valid: bool = True


@dataclass
class Bundle:
    """Everything read: entities by kind and id, where nested objects came from, problems of single
    objects (the importer adds its own before it decides) and warnings."""

    items: dict[str, dict[str, Item]] = field(default_factory=lambda: {kind: {} for kind in ENTITY_KINDS})
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    _origins: dict[int, Origin] = field(default_factory=dict)
    _alive: list[Any] = field(default_factory=list)

    def remember(self, obj: dict[str, Any], origin: Origin) -> None:
        """Record where a nested object was read (a CSV row copied into its parent)."""
        self._origins[id(obj)] = origin
        self._alive.append(obj)  # ids are only unique while the object lives

    def origin_of(self, obj: Any) -> Origin | None:
        return self._origins.get(id(obj))

    def locate(self, item: Item, *path: str | int) -> str:
        """The place of ``path`` inside ``item``, following nested objects to the row they came from."""
        origin, rest = item.origin, list(path)
        node: Any = item.data
        for index, step in enumerate(path):
            try:
                node = node[step]
            except (KeyError, IndexError, TypeError):
                break
            found = self.origin_of(node)
            if found is not None:
                origin, rest = found, list(path[index + 1 :])
        return origin.at(rest)

    def count(self) -> int:
        return sum(len(items) for items in self.items.values())


def json_path(steps: Iterable[str | int]) -> str:
    return "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in steps)


def shown(value: Any) -> str:
    """A value for a message, cut short: hostile or huge input stays readable."""
    text = repr(value)
    return text if len(text) <= VALUE_SHOWN else text[: VALUE_SHOWN - 3] + "..."


# --- schemas ---------------------------------------------------------------------------------------


def _strict(schema: Any) -> Any:
    """Forbid fields a schema does not define, as the specification's own check of its examples does."""
    if isinstance(schema, dict):
        if "properties" in schema:
            schema["additionalProperties"] = False
        for value in schema.values():
            _strict(value)
    elif isinstance(schema, list):
        for value in schema:
            _strict(value)
    return schema


def _datapackage_type(validator: Any, kind: str, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if not isinstance(instance, str):
        return
    if kind == "date" and not is_date(instance):
        yield ValidationError(_("not a date in the form YYYY-MM-DD: %(value)s") % {"value": shown(instance)})
    elif kind == "time" and not _TIME.match(instance):
        yield ValidationError(_("not a time in the form HH:MM: %(value)s") % {"value": shown(instance)})
    elif kind == "datetime" and not is_datetime(instance):
        yield ValidationError(_("not a date and time (ISO 8601): %(value)s") % {"value": shown(instance)})


def is_date(text: str) -> bool:
    try:
        return bool(_DATE.match(text)) and bool(date.fromisoformat(text))
    except ValueError:
        return False


def is_datetime(text: str) -> bool:
    try:
        return bool(_DATETIME.match(text)) and bool(datetime.fromisoformat(text))
    except ValueError:
        return False


def is_uuid(text: object) -> bool:
    if not isinstance(text, str) or len(text) != 36:
        return False
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


_formats = FormatChecker(formats=())


def _check_uuid(instance: object) -> bool:
    return not isinstance(instance, str) or is_uuid(instance)


def _check_email(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    local, at, domain = instance.rpartition("@")
    return bool(at and local and domain) and not any(char.isspace() for char in instance)


def _check_uri(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    if any(char.isspace() for char in instance):
        return False
    scheme = urlsplit(instance).scheme
    return bool(scheme and _URI_SCHEME.match(scheme))


def _check_datetime(instance: object) -> bool:
    return not isinstance(instance, str) or is_datetime(instance)


for _format, _check in (
    ("uuid", _check_uuid),
    ("email", _check_email),
    ("uri", _check_uri),
    ("date-time", _check_datetime),
):
    _formats.checks(_format)(_check)

_Validator = validators.extend(Draft202012Validator, {"datapackage_type": _datapackage_type})


@cache
def _schemas() -> dict[str, dict[str, Any]]:
    """The HSDS object schemas by object name (``service``), made strict."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        found[path.stem] = _strict(json.loads(path.read_text(encoding="utf-8")))
    return found


@cache
def _validator(kind: str) -> Any:
    schemas = _schemas()
    registry: Registry[Any] = Registry().with_resources(
        (f"{name}.json", DRAFT202012.create_resource(schema)) for name, schema in schemas.items()
    )
    return _Validator(schemas[kind], registry=registry, format_checker=_formats)


def properties(kind: str) -> dict[str, Any]:
    properties: dict[str, Any] = _schemas()[kind]["properties"]
    return properties


def tables() -> dict[str, str]:
    """CSV file name -> HSDS object name, from the schemas (``services.csv`` -> ``service``)."""
    return {schema["path"]: name for name, schema in _schemas().items()}


def schema_problems(kind: str, obj: dict[str, Any], origin: Origin) -> list[Problem]:
    """Every way ``obj`` breaks the HSDS schema of ``kind``, each with its place."""
    problems = []
    for error in sorted(_validator(kind).iter_errors(obj), key=lambda e: [str(p) for p in e.absolute_path]):
        path = list(error.absolute_path)
        if error.validator == "required":
            for name in error.validator_value:
                if isinstance(error.instance, dict) and name not in error.instance:
                    problems.append(Problem(origin.at([*path, name]), _("missing; HSDS requires it")))
        elif error.validator == "additionalProperties":
            known = set(error.schema.get("properties", {}))
            for name in sorted(set(error.instance) - known):
                problems.append(
                    Problem(
                        origin.at([*path, name]),
                        _("not a field of HSDS 3.0 (%(object)s); remove it or rename it to an HSDS field")
                        % {"object": error.schema.get("name", kind)},
                    )
                )
        elif error.validator == "format":
            problems.append(
                Problem(
                    origin.at(path),
                    _("not a valid %(format)s: %(value)s")
                    % {"format": error.validator_value, "value": shown(error.instance)},
                )
            )
        elif error.validator == "enum":
            problems.append(
                Problem(
                    origin.at(path),
                    _("%(value)s is not one of %(choices)s")
                    % {"value": shown(error.instance), "choices": ", ".join(error.validator_value)},
                )
            )
        elif error.validator == "type":
            problems.append(
                Problem(
                    origin.at(path),
                    _("expected a %(type)s, got %(value)s")
                    % {"type": error.validator_value, "value": shown(error.instance)},
                )
            )
        else:
            problems.append(Problem(origin.at(path), error.message))
    return problems


# --- files -----------------------------------------------------------------------------------------


def read_bytes(path: Path, name: str, problems: list[Problem]) -> bytes | None:
    """The file's bytes, or None with a problem when it is not a regular file or too large.

    The size is checked on disk first; the read is capped as well, in case the file grows.
    """
    if not path.is_file():
        problems.append(Problem(name, _("not a file")))
        return None
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        problems.append(Problem(name, too_large_message(size)))
        return None
    with path.open("rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        problems.append(Problem(name, too_large_message(len(data))))
        return None
    return data


def too_large_message(size: int) -> str:
    return _("%(size)s bytes is larger than the %(limit)s bytes an import may read; split the data") % {
        "size": f"{size:,}",
        "limit": f"{MAX_FILE_BYTES:,}",
    }


def decode(data: bytes, name: str, problems: list[Problem]) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(
                name,
                _("not UTF-8 text (line %(line)s, byte %(byte)s); save the file as UTF-8")
                % {"line": line, "byte": exc.start},
            )
        )
        return None


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(_("the number %(value)s is out of range") % {"value": shown(text)})
    return value


def _no_constant(text: str) -> Any:
    raise ValueError(_("%(value)s is not a number JSON allows") % {"value": text})


def parse_json(text: str, name: str, problems: list[Problem]) -> Any:
    try:
        return json.loads(text, parse_float=_finite_float, parse_constant=_no_constant, parse_int=json_int)
    except json.JSONDecodeError as exc:
        problems.append(
            Problem(
                name,
                _("not valid JSON at %(where)s") % {"where": decode_error_text(exc)},
            )
        )
    except RecursionError:
        problems.append(Problem(name, _("nested too deeply to read")))
    except ValueError as exc:
        problems.append(Problem(name, str(exc)))
    return None


def read_hsds(path: Path) -> Bundle:
    """Read ``path`` (a JSON file or a directory) and check every object against its schema.

    Raises :class:`HsdsImportError` when a file cannot be read at all (too large, not UTF-8, not
    JSON, a CSV table with wrong columns). Problems of single objects are collected in
    ``bundle.problems``, so that the importer can add its own and report all of them at once.
    """
    file_problems: list[Problem] = []
    bundle = Bundle()
    if path.is_dir():
        csv_files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv")
        json_files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".json" and p.name != "datapackage.json")
        is_package = (path / "datapackage.json").exists() or bool(csv_files)
        if is_package and json_files:
            file_problems.append(
                Problem(
                    path.name,
                    _("holds both an HSDS CSV package and JSON files (%(files)s); give one or the other")
                    % {"files": ", ".join(p.name for p in json_files)},
                )
            )
        elif is_package:
            _CsvPackageReader(bundle, file_problems).read(path)
        else:
            reader = _JsonReader(bundle, file_problems)
            for file in json_files:
                reader.read_file(file, file.name)
        for other in sorted(path.iterdir()):
            if not other.name.startswith(".") and other.suffix.lower() not in (".csv", ".json"):
                bundle.warnings.append(Problem(other.name, _("not a JSON or CSV file; not read")))
    elif path.suffix.lower() == ".csv":
        file_problems.append(
            Problem(
                path.name,
                _("a single CSV file is not an HSDS package; give the directory with datapackage.json and the tables"),
            )
        )
    elif path.exists():
        _JsonReader(bundle, file_problems).read_file(path, path.name)
    else:
        file_problems.append(Problem(str(path), _("no such file or directory")))
    if file_problems:
        raise HsdsImportError(file_problems + bundle.problems)
    if not bundle.count() and not bundle.problems:
        raise HsdsImportError([Problem(path.name, _("holds no HSDS objects"))])
    return bundle


# --- JSON ------------------------------------------------------------------------------------------


class _JsonReader:
    def __init__(self, bundle: Bundle, file_problems: list[Problem]) -> None:
        self.bundle = bundle
        self.file_problems = file_problems

    def read_file(self, path: Path, name: str) -> None:
        before = len(self.file_problems)
        data = read_bytes(path, name, self.file_problems)
        text = decode(data, name, self.file_problems) if data is not None else None
        value = parse_json(text, name, self.file_problems) if text is not None else None
        if len(self.file_problems) > before:
            return
        for origin, obj in self._objects(value, name):
            kind = self._kind_of(obj, name)
            if kind is None:
                self.bundle.problems.append(
                    Problem(
                        origin.where,
                        _("not an HSDS organization, service, location, service at location or taxonomy"),
                    )
                )
                continue
            self.collect(kind, obj, origin, top_level=True)

    def _objects(self, value: Any, name: str) -> list[tuple[Origin, dict[str, Any]]]:
        if isinstance(value, dict) and value and set(value) <= API_ROOT_KEYS:
            self.bundle.warnings.append(Problem(name, _("the API's root document (version, profile); not data")))
            return []
        if isinstance(value, dict) and "contents" in value and set(value) <= PAGE_KEYS:
            if not isinstance(value["contents"], list):
                self.file_problems.append(Problem(f"{name} $.contents", _("expected a list of objects")))
                return []
            return self._list(value["contents"], f"{name} $.contents")
        if isinstance(value, list):
            return self._list(value, f"{name} $")
        if isinstance(value, dict):
            return [(Origin(f"{name} $"), value)]
        self.file_problems.append(
            Problem(name, _("expected an HSDS object, a list of objects or a page with contents"))
        )
        return []

    def _list(self, values: list[Any], prefix: str) -> list[tuple[Origin, dict[str, Any]]]:
        found = []
        for index, obj in enumerate(values):
            if isinstance(obj, dict):
                found.append((Origin(f"{prefix}[{index}]"), obj))
            else:
                self.bundle.problems.append(
                    Problem(f"{prefix}[{index}]", _("expected an object, got %(value)s") % {"value": shown(obj)})
                )
        return found

    @staticmethod
    def _kind_of(obj: dict[str, Any], file_name: str) -> str | None:
        """Which HSDS object this is, by its fields; the file name settles a tie."""
        keys = set(obj)
        schemas = _schemas()

        def fields_of(kind: str) -> set[str]:
            return set(schemas[kind]["properties"]) | set(NESTED_ENTITIES[kind])

        def has_required(kind: str) -> bool:
            return set(schemas[kind].get("required", ())) <= keys

        name = file_name.lower()
        hinted = next(
            (kind for kind, prefix in FILE_NAMES if name.startswith(prefix)),
            None,
        )
        preference = ("service", "location", "service_at_location", "organization", "taxonomy_term", "taxonomy")

        def fit(kind: str) -> tuple[int, bool, int, bool, int]:
            # Most fields in common first; then a kind whose required fields are all there, with the
            # fewest fields it does not know, the one the file is named after, the most common one.
            return (
                len(keys & (fields_of(kind) - {"id"})),
                has_required(kind),
                -len(keys - fields_of(kind)),
                kind == hinted,
                -preference.index(kind),
            )

        best = max(ENTITY_KINDS, key=fit)
        return best if fit(best)[0] else None

    def collect(
        self,
        kind: str,
        obj: dict[str, Any],
        origin: Origin,
        *,
        top_level: bool,
        links: dict[str, str] | None = None,
    ) -> str | None:
        """Check ``obj`` and add it to the bundle, taking nested entities apart. Returns its id."""
        nested = NESTED_ENTITIES[kind]
        own = {key: value for key, value in obj.items() if key not in nested or not _is_nested(value, nested[key][1])}
        problems = schema_problems(kind, own, origin)
        self.bundle.problems.extend(problems)
        item_id = str(obj["id"]) if is_uuid(obj.get("id")) else None
        data = dict(own)
        for link_key, link_value in (links or {}).items():
            self._link(data, link_key, link_value, origin)
        for key, (child_kind, many) in nested.items():
            value = obj.get(key)
            if not _is_nested(value, many):
                continue
            children: list[Any] = value if isinstance(value, list) else [value]
            for index, child in enumerate(children):
                child_origin = Origin(origin.at([key, index] if many else [key]))
                child_links = _links_for(kind, item_id, child_kind)
                child_id = self.collect(child_kind, child, child_origin, top_level=False, links=child_links)
                link = _link_to(kind, child_kind)
                if link and child_id:
                    self._link(data, link, child_id, origin)
        attributes = obj.get("attributes")
        for index, attribute in enumerate(attributes if isinstance(attributes, list) else []):
            term = attribute.get("taxonomy_term") if isinstance(attribute, dict) else None
            if isinstance(term, dict):
                term_origin = Origin(origin.at(["attributes", index, "taxonomy_term"]))
                self.collect("taxonomy_term", term, term_origin, top_level=False)
        detail = obj.get("taxonomy_detail") if kind == "taxonomy_term" else None
        if isinstance(detail, dict):
            self.collect("taxonomy", detail, Origin(origin.at(["taxonomy_detail"])), top_level=False)
        if item_id is None:
            return None  # the schema problem (no id, or not a UUID) is reported already
        add_item(self.bundle, Item(kind, item_id, data, origin, top_level, valid=not problems))
        return item_id

    def _link(self, data: dict[str, Any], key: str, value: str, origin: Origin) -> None:
        if key in data and data[key] != value:
            self.bundle.problems.append(
                Problem(
                    origin.at([key]),
                    _("%(value)s differs from the object nested with it (%(other)s)")
                    % {"value": shown(data[key]), "other": value},
                )
            )
        data[key] = value


def _is_nested(value: Any, many: bool) -> bool:
    if many:
        return isinstance(value, list) and all(isinstance(child, dict) for child in value)
    return isinstance(value, dict)


def _links_for(parent_kind: str, parent_id: str | None, child_kind: str) -> dict[str, str]:
    """The link a nested child gets from its parent (a service inside an organization belongs to it)."""
    if parent_id is None:
        return {}
    if parent_kind == "organization" and child_kind in ("service", "location"):
        return {"organization_id": parent_id}
    if parent_kind == "service" and child_kind == "service_at_location":
        return {"service_id": parent_id}
    return {}


def _link_to(parent_kind: str, child_kind: str) -> str | None:
    """The field of the parent that names a nested child (a service names its organization)."""
    return {
        ("service", "organization"): "organization_id",
        ("service_at_location", "service"): "service_id",
        ("service_at_location", "location"): "location_id",
    }.get((parent_kind, child_kind))


def add_item(bundle: Bundle, item: Item) -> None:
    """Add an entity. Nested copies of one object are normal in HSDS JSON: they must agree field by
    field with the copies met before. As a top-level object (or CSV row) each id comes only once."""
    known = bundle.items[item.kind].get(item.id)
    if known is None:
        bundle.items[item.kind][item.id] = item
        return
    if known.top_level and item.top_level:
        bundle.problems.append(
            Problem(
                item.origin.where,
                _("%(kind)s %(id)s appears twice in this import (also at %(other)s)")
                % {"kind": item.kind, "id": item.id, "other": known.origin.where},
            )
        )
        known.valid = False
        return
    for key in sorted(set(known.data) & set(item.data)):
        if known.data[key] != item.data[key]:
            bundle.problems.append(
                Problem(
                    item.origin.at([key]),
                    _("%(kind)s %(id)s is also at %(other)s, with a different %(field)s")
                    % {"kind": item.kind, "id": item.id, "other": known.origin.where, "field": key},
                )
            )
            known.valid = False
    known.data = {**item.data, **known.data}
    if item.top_level:
        known.origin, known.top_level = item.origin, True
    known.valid = known.valid and item.valid


# --- CSV package -----------------------------------------------------------------------------------


@dataclass
class _Row:
    table: str  # the HSDS object name: "service"
    data: dict[str, Any]
    origin: Origin
    valid: bool = True


class _CsvPackageReader:
    """Read the tables of a CSV package and nest detail rows (phones, schedules, ...) into the
    objects they belong to, as HSDS JSON nests them; the link columns that nesting makes
    redundant are dropped, the way the JSON examples leave them out."""

    def __init__(self, bundle: Bundle, file_problems: list[Problem]) -> None:
        self.bundle = bundle
        self.file_problems = file_problems

    def read(self, directory: Path) -> None:
        rows: dict[str, list[_Row]] = {}
        for name, table in sorted(self._table_files(directory).items()):
            read = self._read_table(directory / name, name, table)
            if read is not None:
                rows[table] = read
        if not self.file_problems:
            self._assemble(rows)

    def _table_files(self, directory: Path) -> dict[str, str]:
        known = tables()
        paths = dict(known)
        package = directory / "datapackage.json"
        if package.exists():
            paths.update(self._package_paths(package, known))
        files: dict[str, str] = {}
        for path in sorted(directory.glob("*.csv")):
            if path.name in paths:
                files[path.name] = paths[path.name]
            else:
                self.file_problems.append(
                    Problem(
                        path.name,
                        _("not a table of the HSDS 3.0 CSV package (those are %(tables)s)")
                        % {"tables": ", ".join(sorted(known))},
                    )
                )
        return files

    def _package_paths(self, package: Path, known: dict[str, str]) -> dict[str, str]:
        """Table paths named by datapackage.json, where it names them differently from HSDS."""
        unreadable: list[Problem] = []
        data = read_bytes(package, package.name, unreadable)
        text = decode(data, package.name, unreadable) if data is not None else None
        value = parse_json(text, package.name, unreadable) if text is not None else None
        resources = value.get("resources") if isinstance(value, dict) else None
        if not isinstance(resources, list):
            self.bundle.warnings.append(
                Problem(package.name, _("not a readable data package; the tables are known by their HSDS file names"))
            )
            return {}
        tables_by_name = set(known.values())
        paths = {}
        for resource in resources:
            if not isinstance(resource, dict) or not isinstance(resource.get("path"), str):
                continue
            if resource.get("name") in tables_by_name:
                paths[Path(resource["path"]).name] = str(resource["name"])
        return paths

    def _read_table(self, path: Path, name: str, table: str) -> list[_Row] | None:
        data = read_bytes(path, name, self.file_problems)
        text = decode(data, name, self.file_problems) if data is not None else None
        if text is None:
            return None
        lines = csv.reader(io.StringIO(text, newline=""), strict=True)
        records: list[list[str]] = []
        try:
            records.extend(lines)
        except csv.Error as exc:
            self.file_problems.append(
                Problem(
                    name,
                    _("not readable as CSV at line %(line)s: %(reason)s") % {"line": lines.line_num, "reason": exc},
                )
            )
            return None
        if not records:
            return []
        header = [column.strip() for column in records[0]]
        if not self._header_fits(header, name, table):
            return None
        columns = properties(table)
        rows: list[_Row] = []
        seen: dict[str, str] = {}
        for number, record in enumerate(records[1:], start=2):
            where = f"{name} row {number}"
            if not any(value.strip() for value in record):
                continue
            if len(record) != len(header):
                self.bundle.problems.append(
                    Problem(
                        where,
                        _("%(values)s values for %(columns)s columns; is a value with a comma not in quotes?")
                        % {"values": len(record), "columns": len(header)},
                    )
                )
                continue
            origin = Origin(where, tabular=True)
            row, typed_ok = self._typed(dict(zip(header, record, strict=True)), columns, origin)
            problems = schema_problems(table, row, origin)
            self.bundle.problems.extend(problems)
            row_id = row.get("id")
            if isinstance(row_id, str) and row_id in seen:
                self.bundle.problems.append(
                    Problem(
                        origin.at(["id"]),
                        _("%(id)s appears twice in this table (also at %(other)s)")
                        % {"id": row_id, "other": seen[row_id]},
                    )
                )
                continue
            if is_uuid(row_id):
                seen[str(row_id)] = where
                rows.append(_Row(table, row, origin, valid=typed_ok and not problems))
        return rows

    def _header_fits(self, header: list[str], name: str, table: str) -> bool:
        before = len(self.file_problems)
        if len(header) == 1 and any(separator in header[0] for separator in ";\t|"):
            separator = next(separator for separator in ";\t|" if separator in header[0])
            self.file_problems.append(
                Problem(
                    name,
                    _("the columns are separated by %(separator)s; HSDS CSV files use commas")
                    % {"separator": _("tabs") if separator == "\t" else repr(separator)},
                )
            )
            return False
        schema = _schemas()[table]
        columns = [
            key for key, value in schema["properties"].items() if value.get("type") != "array" and "$ref" not in value
        ]
        for column in header:
            if column not in columns:
                self.file_problems.append(
                    Problem(
                        f"{name}, column {column or '(empty)'}",
                        _("not a column of %(table)s in HSDS 3.0 (those are %(columns)s)")
                        % {"table": name, "columns": ", ".join(columns)},
                    )
                )
        for column in sorted({column for column in header if header.count(column) > 1}):
            self.file_problems.append(Problem(f"{name}, column {column}", _("appears more than once")))
        for column in [*schema.get("required", ()), *schema.get("tabular_required", ())]:
            if column not in header:
                self.file_problems.append(Problem(f"{name}, column {column}", _("missing; HSDS requires this column")))
        return len(self.file_problems) == before

    def _typed(self, raw: dict[str, str], columns: dict[str, Any], origin: Origin) -> tuple[dict[str, Any], bool]:
        """Empty cells are absent values; numbers become numbers. False when a number is not one."""
        row: dict[str, Any] = {}
        ok = True
        for column, text in raw.items():
            if text == "":
                continue
            if columns[column].get("type") != "number":
                row[column] = text
                continue
            try:
                number = _finite_float(text.strip())
            except ValueError:
                self.bundle.problems.append(
                    Problem(origin.at([column]), _("not a number: %(value)s") % {"value": shown(text)})
                )
                ok = False
                continue
            row[column] = int(number) if number.is_integer() and abs(number) < 2**53 else number
        return row, ok

    def _assemble(self, rows: dict[str, list[_Row]]) -> None:
        by_table = {table: {row.data["id"]: row for row in table_rows} for table, table_rows in rows.items()}
        by_id: dict[str, list[_Row]] = {}
        for table_rows in rows.values():
            for row in table_rows:
                by_id.setdefault(row.data["id"], []).append(row)
        terms = by_table.get("taxonomy_term", {})
        taxonomies = by_table.get("taxonomy", {})
        for term in terms.values():
            taxonomy = taxonomies.get(term.data.get("taxonomy_id", ""))
            if taxonomy is not None and taxonomy.valid:
                term.data["taxonomy_detail"] = self._clone(taxonomy.data, taxonomy.origin)
        for table in DETAIL_LINKS:
            for row in rows.get(table, []):
                if not row.valid:
                    continue
                parents = self._parents(row, by_table, by_id)
                if not parents:
                    self.bundle.warnings.append(
                        Problem(row.origin.where, _("belongs to no object in this import; not imported"))
                    )
                for parent in parents:
                    self._attach(row, parent, terms)
        for kind in ENTITY_KINDS:
            for row in rows.get(kind, []):
                add_item(self.bundle, Item(kind, row.data["id"], row.data, row.origin, True, valid=row.valid))

    def _parents(self, row: _Row, by_table: dict[str, dict[str, _Row]], by_id: dict[str, list[_Row]]) -> list[_Row]:
        """The rows this detail row hangs from; a link that matches nothing is reported as a warning."""
        links: list[tuple[str, Any, Any]]
        if row.table == "attribute":
            links = [("link_id", row.data.get("link_id"), row.data.get("link_entity"))]
        elif row.table == "metadata":
            links = [("resource_id", row.data.get("resource_id"), row.data.get("resource_type"))]
        else:
            links = [(column, row.data.get(column), table) for column, table in DETAIL_LINKS[row.table].items()]
        parents: list[_Row] = []
        for column, value, table in links:
            if not value:
                continue
            if row.table in ("attribute", "metadata"):
                key = DETAIL_KEYS[row.table]
                candidates = [other for other in by_id.get(value, []) if key in properties(other.table)]
                found = [other for other in candidates if other.table == table] or candidates
            else:
                parent = by_table.get(str(table), {}).get(value)
                found = [parent] if parent is not None else []
            if not found:
                self.bundle.warnings.append(
                    Problem(
                        row.origin.at([column]),
                        _("%(value)s matches no object in this import; the link is not kept") % {"value": value},
                    )
                )
            parents.extend(found)
        return parents

    def _attach(self, row: _Row, parent: _Row, terms: dict[str, _Row]) -> None:
        drop = set(DETAIL_LINKS[row.table]) | {"link_id", "resource_id"}
        child = self._clone({key: value for key, value in row.data.items() if key not in drop}, row.origin)
        if row.table == "attribute":
            term = terms.get(row.data.get("taxonomy_term_id", ""))
            if term is not None and term.valid:
                child.pop("taxonomy_term_id", None)
                child["taxonomy_term"] = self._clone(term.data, term.origin)
        parent.data.setdefault(DETAIL_KEYS[row.table], []).append(child)

    def _clone(self, value: Any, origin: Origin | None = None) -> Any:
        """A deep copy that keeps, for every nested object, the row it was read from."""
        if isinstance(value, list):
            return [self._clone(child) for child in value]
        if not isinstance(value, dict):
            return value
        copy_ = {key: self._clone(child) for key, child in value.items()}
        found = origin or self.bundle.origin_of(value)
        if found is not None:
            self.bundle.remember(copy_, found)
        return copy_
