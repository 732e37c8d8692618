"""One process's copy of the Sender list pages it served lately, good for as long as the
store's ``objects_version`` has not moved.

Every change of the ``objects`` table, by any worker or by anything else writing to the
database, moves that counter in the same transaction (triggers of migration 6). A page read
asks for the counter first (one small query) and answers from here only while it is the one the
page was read at; otherwise the page is read from the store again. So each answer still comes
from what the database holds when it is asked, which any worker sees alike, and a page of 50
Locations (160 kB) is not shipped out of PostgreSQL for every request that asks for it.
Only pages without a date window and of at most ``MAX_LIMIT`` objects are kept
(``Objects.page``), the newest ``size`` of them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

__all__ = ["MAX_LIMIT", "Page", "PageCache"]

MAX_LIMIT = 1000  # larger reads (a whole list, filtered in memory) are not kept

Page = tuple[list[str], int]  # the bodies (JSON text) and the length of the list
PageKey = tuple[str, str, int, int]  # module, side, offset, limit


class PageCache:
    """The newest ``size`` pages, each kept with the ``objects_version`` it was read at."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._pages: OrderedDict[PageKey, tuple[str, Page]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: PageKey, version: str) -> Page | None:
        with self._lock:
            kept = self._pages.get(key)
            if kept is None or kept[0] != version:
                return None
            self._pages.move_to_end(key)
            bodies, total = kept[1]
            return list(bodies), total

    def put(self, key: PageKey, version: str, page: Page) -> None:
        """Keep ``page`` as read at ``version`` (read before the page: a page read at a newer
        state than its version says is only ever served to requests that saw that version,
        which it can only be newer than)."""
        with self._lock:
            self._pages[key] = (version, (list(page[0]), page[1]))
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)
