"""Persona fixtures shared by every test: residents, staff of two organisations in Waalwijk, staff of
another municipality (Meerssen), an application manager and auditors. All people are invented."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, settings

from meedoen.accounts.models import User
from meedoen.accounts.tests.factories import TOTPDeviceFactory, UserFactory
from meedoen.areas.tests.factories import DistrictFactory, MunicipalityAreaFactory
from meedoen.core import audit_guard
from meedoen.core.access import Role
from meedoen.organisations.models import Municipality, Organisation
from meedoen.organisations.tests.factories import MembershipFactory, MunicipalityFactory, OrganisationFactory

# The suite asserts no timings (docs/benchmarks.md holds them). Hypothesis's deadline per example
# and its check for slow data generation are timings too, and fail a correct test on a busy machine.
settings.register_profile("meedoen", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("meedoen")


# What gives a test the database: pytest-django's mark, or a fixture that asks for it.
DATABASE_FIXTURES = frozenset({"db", "transactional_db", "django_db_setup", "live_server", "_django_db_helper"})


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="leave out the tests that use no database (a second pass on another engine repeats only those)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--database-tests-only"):
        return
    kept, left_out = [], []
    for item in items:
        # A test that may skip asks about its surroundings, often which database it runs on.
        uses_database = (
            item.get_closest_marker("django_db") is not None
            or item.get_closest_marker("skipif") is not None
            or bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))
        )
        (kept if uses_database else left_out).append(item)
    config.hook.pytest_deselected(items=left_out)
    items[:] = kept


@pytest.fixture(autouse=True, scope="session")
def _empty_the_audit_log_between_transactional_tests() -> object:
    """Tests that use real transactions empty every table afterwards, the audit log included.

    The database refuses that in normal operation; here the guard is lifted for the flush only.
    """
    original = flush.Command.handle

    def handle(self: flush.Command, **options: object) -> object:
        connection = connections[str(options.get("database") or DEFAULT_DB_ALIAS)]
        with audit_guard.suspended(connection):
            return original(self, **options)

    flush.Command.handle = handle  # type: ignore[method-assign]
    yield
    flush.Command.handle = original  # type: ignore[method-assign]


@dataclass(frozen=True)
class World:
    waalwijk: Municipality
    meerssen: Municipality
    ww_team: Organisation
    ww_foodbank: Organisation
    ms_team: Organisation


@pytest.fixture
def world(db: None) -> World:
    for code, name in (("GM0867", "Waalwijk"), ("GM0938", "Meerssen")):
        area = MunicipalityAreaFactory(code=code, name=name)
        for number in range(3):
            DistrictFactory(parent=area, code=f"WK{code[2:]}{number:02d}")
    waalwijk = MunicipalityFactory(code="GM0867", name="Waalwijk", slug="waalwijk")
    meerssen = MunicipalityFactory(code="GM0938", name="Meerssen", slug="meerssen")
    return World(
        waalwijk=waalwijk,
        meerssen=meerssen,
        ww_team=OrganisationFactory(
            name="Gemeente Waalwijk", kind=Organisation.Kind.MUNICIPALITY_TEAM, municipalities=[waalwijk]
        ),
        ww_foodbank=OrganisationFactory(
            name="Voedselbank Waalwijk", kind=Organisation.Kind.FOOD_BANK, municipalities=[waalwijk]
        ),
        ms_team=OrganisationFactory(
            name="Gemeente Meerssen", kind=Organisation.Kind.MUNICIPALITY_TEAM, municipalities=[meerssen]
        ),
    )


def staff(username: str, organisation: Organisation, municipality: Municipality, role: str) -> User:
    user = UserFactory(username=username)
    TOTPDeviceFactory(user=user)
    MembershipFactory(user=user, organisation=organisation, municipality=municipality, role=role)
    return user


@pytest.fixture
def personas(world: World) -> dict[str, User | None]:
    """Everyone who may knock on a door. ``None`` is the anonymous visitor."""
    resident = UserFactory(username="inwoner-anna", resident_ref="a" * 64)
    resident.set_unusable_password()
    resident.save()
    unverified = UserFactory(username="zonder-tweede-stap")
    MembershipFactory(user=unverified, organisation=world.ww_team, municipality=world.waalwijk, role=Role.AUDITOR)
    no_role = UserFactory(username="zonder-rol")
    TOTPDeviceFactory(user=no_role)
    return {
        "anonymous": None,
        "resident": resident,
        "second_resident": UserFactory(username="inwoner-bram", resident_ref="b" * 64),
        "no_second_factor": unverified,
        "no_role": no_role,
        "ww_policy": staff("ww-beleid", world.ww_team, world.waalwijk, Role.POLICY_OFFICER),
        "ww_caseworker": staff("ww-consulent", world.ww_team, world.waalwijk, Role.CASEWORKER),
        "ww_early_signals": staff("ww-vroeg", world.ww_team, world.waalwijk, Role.EARLY_SIGNALS_OFFICER),
        "ww_offer_maintainer": staff("ww-voedselbank", world.ww_foodbank, world.waalwijk, Role.OFFER_MAINTAINER),
        "ww_application_manager": staff("ww-beheer", world.ww_team, world.waalwijk, Role.APPLICATION_MANAGER),
        "ww_auditor": staff("ww-auditor", world.ww_team, world.waalwijk, Role.AUDITOR),
        "ms_auditor": staff("ms-auditor", world.ms_team, world.meerssen, Role.AUDITOR),
        "ms_application_manager": staff("ms-beheer", world.ms_team, world.meerssen, Role.APPLICATION_MANAGER),
        # Staff of a creditor, not of the municipality: delivers the creditor's signals, sees nothing else.
        "ww_signal_deliverer": staff(
            "ww-aanlevering",
            OrganisationFactory(
                name="Woningcorporatie Aanlevering",
                kind=Organisation.Kind.HOUSING_CORPORATION,
                slug="woningcorporatie-aanlevering",
                municipalities=[world.waalwijk],
            ),
            world.waalwijk,
            Role.CREDITOR_DELIVERER,
        ),
    }


def log_in(client: Client, user: User | None) -> Client:
    """Log ``user`` in as if they passed both steps (password and authenticator code)."""
    if user is None:
        return client
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def client_as(personas: dict[str, User | None]) -> Callable[[str], Client]:
    def make(name: str) -> Client:
        return log_in(Client(), personas[name])

    return make
