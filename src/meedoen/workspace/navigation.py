"""Which modules a role sees in the workspace. Modules still being built are listed without a link,
so staff see what is coming and who it is for."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from meedoen.core.access import WORKSPACE_ROLES, Role

# Every role of the municipality's workspace; not a creditor's signal deliverer, whose one module
# is its deliveries.
EVERY_ROLE = WORKSPACE_ROLES


@dataclass(frozen=True)
class Module:
    code: str
    label: str | Promise
    description: str | Promise
    url_name: str | None
    roles: tuple[str, ...]

    @property
    def available(self) -> bool:
        return self.url_name is not None


MODULES: tuple[Module, ...] = (
    Module(
        "areas",
        _("Areas"),
        _("Districts of the municipality with inhabitants and dwellings (CBS)."),
        "workspace:areas",
        EVERY_ROLE,
    ),
    Module(
        "organisations",
        _("Organisations and roles"),
        _("Partner organisations and who holds which role."),
        "workspace:organisations",
        (Role.APPLICATION_MANAGER, Role.AUDITOR),
    ),
    Module(
        "audit",
        _("Audit log"),
        _("Who did or saw what, when and why."),
        "workspace:audit",
        (Role.AUDITOR,),
    ),
    Module(
        "socialmap",
        _("Social map"),
        _("Who offers what help, for whom and where."),
        "workspace:socialmap",
        (Role.OFFER_MAINTAINER, Role.POLICY_OFFICER, Role.CASEWORKER, Role.APPLICATION_MANAGER),
    ),
    Module(
        "coordination",
        _("Coordination"),
        _("Per theme, target group and district: where offers overlap and where help is missing."),
        "workspace:coordination",
        (Role.POLICY_OFFICER, Role.APPLICATION_MANAGER),
    ),
    Module(
        "monitor",
        _("Local picture"),
        _("Figures per district next to the municipality and the Netherlands: CBS and own figures."),
        "workspace:monitor",
        EVERY_ROLE,
    ),
    Module(
        "compass",
        _("Quality compass"),
        _("Local picture, ambitions, results, activities and measured outcomes."),
        "workspace:compass",
        # Partner staff report the measurements of the activities their organisation carries.
        (Role.POLICY_OFFICER, Role.APPLICATION_MANAGER, Role.OFFER_MAINTAINER, Role.CASEWORKER),
    ),
    Module(
        "early_signals",
        _("Early signalling"),
        _("Signals of payment arrears, outreach and feedback to creditors."),
        "workspace:early_signals",
        (Role.EARLY_SIGNALS_OFFICER,),
    ),
    Module(
        "early_signals_monitor",
        _("Early-signalling monitor"),
        _("Signals, reach, help accepted and timeliness per month and district."),
        "workspace:early-signals-monitor",
        (Role.EARLY_SIGNALS_OFFICER, Role.POLICY_OFFICER),
    ),
    Module(
        "early_signals_feedback",
        _("Feedback to creditors"),
        _("Whether the help each creditor signalled was accepted, as a download per creditor."),
        "workspace:early-signals-feedback",
        (Role.EARLY_SIGNALS_OFFICER,),
    ),
    Module(
        "early_signals_settings",
        _("Early-signalling settings"),
        _("Terms for a first offer, thresholds per kind of creditor, retention and the offer letter."),
        "workspace:early_signals_settings",
        (Role.APPLICATION_MANAGER,),
    ),
    Module(
        "signal-delivery",
        _("Deliver signals"),
        _("Upload a file of signals of payment arrears, read the answer per row, and find your deliveries again."),
        "workspace:signal-delivery",
        (Role.CREDITOR_DELIVERER,),
    ),
    Module(
        "benefits",
        _("Entitlement check"),
        _("Schemes as rules, and their use per district."),
        "workspace:benefits",
        (Role.POLICY_OFFICER, Role.APPLICATION_MANAGER),
    ),
    Module(
        "ledger",
        _("Shared log"),
        _("The log every partner can verify."),
        None,
        (Role.AUDITOR, Role.APPLICATION_MANAGER, Role.POLICY_OFFICER),
    ),
)


def modules_for(roles: Iterable[str]) -> list[Module]:
    held = set(roles)
    return [module for module in MODULES if held.intersection(module.roles)]
