"""Schemes written down in a YAML file: each entry a scheme's fields, its municipality's code and optionally
the organisation and social-map offer it belongs to. The demo's schemes live in such a file; the rules
tests read the same file, so every demo scheme is tested as it is loaded."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from meedoen.entitlements.rules.schemes import SchemeRule
from meedoen.entitlements.services import SCHEME_FIELDS

DEMO_SCHEMES = Path(__file__).resolve().parent / "data" / "demo-schemes.yaml"
MONEY_FIELDS = {"amount", "amount_per_child", "asset_limit_single", "asset_limit_family"}
RULE_FIELDS = {field.name for field in fields(SchemeRule)}


@dataclass(frozen=True)
class SchemeEntry:
    municipality_code: str
    fields: dict[str, Any]
    organisation_key: str = ""
    offer_name: str = ""

    @property
    def rule(self) -> SchemeRule:
        data = {name: value for name, value in self.fields.items() if name in RULE_FIELDS}
        return SchemeRule.from_mapping({"municipality_code": self.municipality_code, **data})


def read_scheme_file(path: Path) -> list[SchemeEntry]:
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as error:
        raise ValueError(f"{path.name}: not a readable YAML file ({error.__class__.__name__})") from error
    if not isinstance(entries, list):
        raise ValueError(f"{path.name}: a list of schemes is expected")
    result = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or "municipality" not in entry:
            raise ValueError(f"{path.name}, scheme {number}: a mapping with a municipality is expected")
        values = dict(entry)
        municipality = str(values.pop("municipality"))
        organisation = str(values.pop("organisation", "") or "")
        offer = str(values.pop("offer", "") or "")
        unknown = set(values) - set(SCHEME_FIELDS)
        if unknown:
            raise ValueError(f"{path.name}, scheme {number}: unknown fields {sorted(unknown)}")
        try:
            for name in MONEY_FIELDS & set(values):
                values[name] = Decimal(str(values[name]))
            for name in ("valid_from", "valid_until"):
                if name in values and values[name] is not None and not isinstance(values[name], date):
                    values[name] = date.fromisoformat(str(values[name]))
        except (ArithmeticError, ValueError) as error:
            raise ValueError(f"{path.name}, scheme {number}: an amount or date cannot be read ({error})") from error
        result.append(SchemeEntry(municipality, values, organisation, offer))
    return result
