"""The object store under the pager: positions, date windows, deletes, DateTime keys."""

from __future__ import annotations

import pytest

from mock_party import objects as objects_module
from mock_party.db import IntegrityError
from mock_party.objects import SENDER, ObjectKey, Objects, sort_key
from mock_party.page_cache import PageCache
from mock_party.store import Store


@pytest.fixture
def objects(database_url) -> Objects:
    store = Store(database_url)
    store.init_schema()
    return Objects(store.db)


def key(i: int, module: str = "tariffs") -> ObjectKey:
    return ObjectKey(module, SENDER, "NL", "MCK", f"T{i}")


def body(i: int, stamp: str) -> dict:
    return {"id": f"T{i}", "last_updated": stamp}


def stamp(day: int) -> str:
    return f"2024-01-{day:02d}T00:00:00Z"


def ids(bodies: list[str]) -> list[str]:
    import json

    return [json.loads(b)["id"] for b in bodies]


@pytest.fixture
def filled(objects: Objects) -> Objects:
    # creation order T0..T9, last_updated days 10, 9, …, 1 (newest first)
    for i in range(10):
        objects.put(key(i), body(i, stamp(10 - i)))
    objects.put(key(0, "locations"), body(0, stamp(1)))  # another list in between
    return objects


def test_sort_key_normalises_ocpi_datetimes():
    assert sort_key("2024-01-02T03:04:05Z") == "2024-01-02T03:04:05.000000"
    assert sort_key("2024-01-02T03:04:05") == sort_key("2024-01-02T03:04:05.0Z")
    assert sort_key("2024-01-02T03:04:05.1234567Z") == "2024-01-02T03:04:05.123456"
    for bad in ("2024-01-02", "2024-01-02T03:04:05+00:00", "soon"):
        with pytest.raises(ValueError):
            sort_key(bad)
    # what the schema lets through is stored; query parameters are checked strictly
    assert sort_key("2016-12-31T23:59:60Z") == "2016-12-31T23:59:60.000000"
    with pytest.raises(ValueError):
        sort_key("2024-13-02T03:04:05Z", strict=True)


def test_positions_give_pages_in_creation_order(filled):
    assert filled.page("tariffs", SENDER, offset=0, limit=3) == (
        [f'{{"id":"T{i}","last_updated":"{stamp(10 - i)}"}}' for i in range(3)],
        10,
    )
    assert ids(filled.page("tariffs", SENDER, offset=8, limit=5)[0]) == ["T8", "T9"]
    assert filled.page("tariffs", SENDER, offset=10, limit=5) == ([], 10)
    assert filled.page("tariffs", SENDER, offset=0, limit=0) == ([], 10)
    assert filled.count("tariffs", SENDER) == 10
    assert filled.count("locations", SENDER) == 1


def test_a_kept_page_is_read_again_once_anyone_changes_the_objects(filled, database_url):
    """A process keeps the pages it served (mock_party.page_cache) only while the store's
    objects_version stands: every change of objects, over any connection, moves it."""
    store = Store(database_url)  # another connection: another worker, or anything else
    try:
        pages = PageCache()
        reader = Objects(store.db, pages)
        first = reader.page("tariffs", SENDER, offset=0, limit=3)
        assert reader.page("tariffs", SENDER, offset=0, limit=3) == first
        assert list(pages._pages) == [("tariffs", SENDER, 0, 3)]
        filled.put(key(1), body(1, stamp(28)))  # replaced in place
        assert stamp(28) in reader.page("tariffs", SENDER, offset=0, limit=3)[0][1]
        filled.delete(key(0))
        assert ids(reader.page("tariffs", SENDER, offset=0, limit=3)[0]) == ["T1", "T2", "T3"]
        assert reader.page("tariffs", SENDER, offset=0, limit=3)[1] == 9
        filled.put(key(0, "sessions"), body(0, stamp(1)))  # another module moves it too
        version = reader.state("objects_version")
        try:
            with filled.db.transaction():
                filled.put(key(50), body(50, stamp(2)))
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        assert reader.state("objects_version") == version  # nothing changed, nothing moved
        assert reader.page("tariffs", SENDER, offset=8, limit=5) == (
            [f'{{"id":"T9","last_updated":"{stamp(1)}"}}'],
            9,
        )
    finally:
        store.close()


def test_replacing_keeps_the_place(filled):
    assert filled.put(key(3), body(3, stamp(30))) is False
    assert ids(filled.page("tariffs", SENDER, offset=3, limit=1)[0]) == ["T3"]


def test_deleting_closes_the_gap(filled):
    assert filled.delete(key(4)) is True
    assert filled.delete(key(4)) is False
    bodies, total = filled.page("tariffs", SENDER, offset=3, limit=3)
    assert total == 9 and ids(bodies) == ["T3", "T5", "T6"]
    filled.put(key(42), body(42, stamp(5)))
    assert ids(filled.page("tariffs", SENDER, offset=8, limit=5)[0]) == ["T9", "T42"]
    positions = [r[0] for r in filled.db.execute(
        "SELECT pos FROM objects WHERE module = 'tariffs' ORDER BY pos")]  # fmt: skip
    assert positions == list(range(10))


@pytest.mark.parametrize("in_memory", [5000, 1], ids=["narrow", "wide"])
def test_date_windows_both_ways(filled, monkeypatch, in_memory):
    monkeypatch.setattr(objects_module, "_SORT_IN_MEMORY", in_memory)

    def window(**dates: str) -> tuple[list[str], int]:
        keys = {k: sort_key(v) for k, v in dates.items()}
        bodies, total = filled.page("tariffs", SENDER, offset=1, limit=3, **keys)
        return ids(bodies), total

    # days: T0=10 T1=9 T2=8 T3=7 T4=6 T5=5 T6=4 T7=3 T8=2 T9=1
    assert window(date_from=stamp(5)) == (["T1", "T2", "T3"], 6)
    assert window(date_to=stamp(5)) == (["T7", "T8", "T9"], 4)
    assert window(date_from=stamp(3), date_to=stamp(6)) == (["T6", "T7"], 3)
    assert window(date_from=stamp(1)) == (["T1", "T2", "T3"], 10)  # the whole list


def test_date_to_inclusive_for_the_fault(filled):
    bodies, total = filled.page(
        "tariffs", SENDER, offset=0, limit=10, date_to=sort_key(stamp(2)), date_to_inclusive=True
    )
    assert ids(bodies) == ["T8", "T9"] and total == 2


def test_unique_key_is_case_insensitive(objects):
    objects.put(ObjectKey("tokens", SENDER, "nl", "mck", "abc", "RFID"), body(1, stamp(1)))
    assert objects.get(ObjectKey("tokens", SENDER, "NL", "MCK", "ABC", "RFID")) is not None
    assert objects.get(ObjectKey("tokens", SENDER, "NL", "MCK", "ABC", "APP_USER")) is None
    with pytest.raises(IntegrityError):
        objects.put_many([(ObjectKey("tokens", SENDER, "NL", "MCK", "ABC", "RFID"),
                           body(1, stamp(1)), {})])  # fmt: skip
