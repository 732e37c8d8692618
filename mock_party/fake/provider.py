"""The whole OCPI Faker provider, one class made of the families' providers, and
:func:`make_faker`, the seeded Faker that carries it.
"""

from __future__ import annotations

from faker import Faker

from mock_party.fake.locations import LocationsProvider
from mock_party.fake.sessions import SessionsProvider
from mock_party.fake.tariffs import TariffsProvider


class OcpiProvider(LocationsProvider, TariffsProvider, SessionsProvider):
    """Faker provider for OCPI 2.2.1 objects (JSON-ready dicts, DateTimes as strings).

    Objects are composed through ``self.generator`` and all randomness comes from
    ``self.generator.random``. Methods that need "now" take it as an argument. Each OCPI family's
    methods live in its own module (locations, tariffs, tokens, sessions); this class joins them.
    """


def make_faker(seed: int, locale: str = "nl_NL") -> Faker:
    """A Faker for ``locale`` with :class:`OcpiProvider`, seeded on this instance only."""
    fake = Faker(locale)
    fake.add_provider(OcpiProvider)
    fake.seed_instance(seed)
    return fake
