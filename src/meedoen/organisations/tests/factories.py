from __future__ import annotations

from typing import Any

import factory

from meedoen.accounts.tests.factories import UserFactory
from meedoen.organisations.models import Membership, Municipality, Organisation


class MunicipalityFactory(factory.django.DjangoModelFactory[Municipality]):
    class Meta:
        model = Municipality
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"GM{9000 + n:04d}")
    name = factory.Sequence(lambda n: f"Testgemeente {n}")
    slug = factory.LazyAttribute(lambda m: m.name.lower().replace(" ", "-"))


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Organisatie {n}")
    kind = Organisation.Kind.WELFARE
    slug = factory.Sequence(lambda n: f"organisatie-{n}")

    @factory.post_generation
    def municipalities(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.municipalities.add(*extracted)


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    municipality = factory.SubFactory(MunicipalityFactory)
    organisation = factory.SubFactory(
        OrganisationFactory, municipalities=factory.LazyAttribute(lambda o: [o.factory_parent.municipality])
    )
    role = "beleidsmedewerker"
