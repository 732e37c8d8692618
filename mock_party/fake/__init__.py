"""Faker factories for OCPI data (made in 2.2.1, shaped for 2.1.1 and 2.3.0): realistic,
schema-valid and reproducible.

``make_faker(seed)`` gives a Faker with :class:`OcpiProvider` added; ``generate_dataset(seed=…,
now=…)`` builds a consistent set of Locations, Tariffs, Tokens, Sessions and CDRs as JSON-ready
dicts. Every object is drawn from its own sub-seed (seed, party, kind, index), so object *i* stays
the same when volumes grow, and the same seed and ``now`` give byte-identical JSON (for the pinned
Faker version). No call reads the clock: ``now`` is always an argument.

This package only re-exports the public names. Where things live: ``helpers`` (numbers, DateTimes,
prices, sub-seeds), ``countries``, ``sites`` (plugs, chargers, kinds of place), ``shared`` (small
random values and shared classes), one provider module per OCPI family (``locations``,
``tariffs``, ``tokens``, ``sessions`` for Sessions and CDRs), ``provider`` (the joined
:class:`OcpiProvider` and :func:`make_faker`) and ``datasets`` (iterators and whole data sets).
"""

from mock_party.fake.countries import COUNTRIES, City, Country, country_info, locale_for
from mock_party.fake.datasets import (
    Dataset,
    dataset_in,
    generate_dataset,
    iter_locations,
    iter_tariffs,
    iter_tokens,
)
from mock_party.fake.helpers import (
    SUPPORTED_VERSIONS,
    format_datetime,
    price_component,
    price_excl_vat,
    to_json_number,
)
from mock_party.fake.provider import OcpiProvider, make_faker
from mock_party.fake.sessions import Charge
from mock_party.fake.sites import Plug

__all__ = [
    "COUNTRIES",
    "SUPPORTED_VERSIONS",
    "Charge",
    "City",
    "Country",
    "Dataset",
    "OcpiProvider",
    "Plug",
    "country_info",
    "dataset_in",
    "format_datetime",
    "generate_dataset",
    "iter_locations",
    "iter_tariffs",
    "iter_tokens",
    "locale_for",
    "make_faker",
    "price_component",
    "price_excl_vat",
    "to_json_number",
]
