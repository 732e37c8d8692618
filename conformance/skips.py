"""Why checks skipped, in two kinds, and whether the run tested any module at all.

A skip is either *not applicable*: the check does not concern this target or this run (another
role, another version, a module the target does not offer, a mode not chosen), or *could not
run*: the check concerns the target but something stood in the way (no registration, a list that
cannot be read, nothing pushed to us). A demo run skips many checks of the first kind and must
not be flagged; a run where most checks of the second kind skip looks clean while little was
tested, so the console, report.html and results.json say so, and when no module could be tested
at all the run exits with its own status (cli.EXIT_NOTHING_TESTED).

The kind is said where the skip is raised: a check skips with :func:`skip_not_applicable` or
:func:`skip_could_not_run`, or keeps a :class:`SkipReason` to raise later; the plugin's own
skip markers (another role, version or mode; a run stopped) keep theirs beside the marker. The
plugin puts the kind on the report (:func:`kind_of` reads it off the skip), the sinks on their
records (``SKIP_KIND``), never in results.json. A skip raised any other way (plain
``pytest.skip``) counts as could not run. The wording of a reason is for people only.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import pytest

__all__ = [
    "COULD_NOT_RUN",
    "NOT_APPLICABLE",
    "NOT_A_MODULE",
    "SKIP_KIND",
    "SkipReason",
    "SkipSummary",
    "cause_of",
    "kind_of",
    "skip_could_not_run",
    "skip_not_applicable",
    "summarize_skips",
]

NOT_APPLICABLE = "not applicable"
COULD_NOT_RUN = "could not run"
# The key of a skip's kind on a sink's check record (left out of results.json).
SKIP_KIND = "skip_kind"
_KIND_ATTRIBUTE = "ocpi_skip_kind"
# Check-id prefixes that judge the connection rather than a module's data.
NOT_A_MODULE = frozenset(
    {"versions", "credentials", "transport", "auth", "client", "discovery", "via_hub"}
)
_JUDGED = ("pass", "fail", "warn", "xfail", "error")
_URL = re.compile(r"https?://\S+")
_TOP = 3
_LOUD_SHARE = 0.5  # flagged when more than this share of the applicable checks could not run


def _skip(reason: str, kind: str, *, at_item: bool = False) -> NoReturn:
    __tracebackhide__ = True  # the skip's location stays the line that called us
    skipped = pytest.skip.Exception(reason, _use_item_location=at_item)
    setattr(skipped, _KIND_ATTRIBUTE, kind)
    raise skipped


def skip_not_applicable(reason: str) -> NoReturn:
    """Skip: the check does not concern this target or run (``reason`` says why)."""
    __tracebackhide__ = True
    _skip(reason, NOT_APPLICABLE)


def skip_could_not_run(reason: str) -> NoReturn:
    """Skip: the check concerns the target but could not judge it (``reason`` says why)."""
    __tracebackhide__ = True
    _skip(reason, COULD_NOT_RUN)


@dataclass(frozen=True)
class SkipReason:
    """A reason to skip found now and raised later, with its kind."""

    text: str
    kind: str = COULD_NOT_RUN

    def skip(self, *, at_item: bool = False) -> NoReturn:
        """Raise it; ``at_item``: reported at the check's own location (as a skip marker is)."""
        __tracebackhide__ = True
        _skip(self.text, self.kind, at_item=at_item)

    def __str__(self) -> str:
        return self.text


def kind_of(skipped: BaseException) -> str:
    """The kind a skip exception was raised with (could not run, when none was said)."""
    return getattr(skipped, _KIND_ATTRIBUTE, COULD_NOT_RUN)


def cause_of(reason: str) -> str:
    """A skip reason as a cause several checks share: its first line, URLs left out."""
    first = reason.strip().splitlines()[0] if reason.strip() else "no reason given"
    return _URL.sub("…", first)


@dataclass(frozen=True)
class SkipSummary:
    """How many checks could not run, of how many that apply, and the main causes."""

    total: int
    not_applicable: int
    could_not_run: int
    causes: tuple[tuple[str, int], ...]  # the most common causes, most common first
    modules_tested: tuple[str, ...]  # check-id prefixes of modules with a judged check
    modules_untested: tuple[str, ...]  # module prefixes with checks that could not run

    @property
    def applicable(self) -> int:
        return self.total - self.not_applicable

    @property
    def mostly_skipped(self) -> bool:
        """More than half of the checks that apply could not run."""
        return self.could_not_run > 0 and self.could_not_run > _LOUD_SHARE * self.applicable

    @property
    def nothing_tested(self) -> bool:
        """Module checks were due, and not one could judge the target."""
        return not self.modules_tested and bool(self.modules_untested)

    @property
    def sentence(self) -> str:
        """E.g. "107 of 127 checks could not run; main causes: 62 × not registered …; …"."""
        causes = "; ".join(f"{count} × {cause}" for cause, count in self.causes)
        text = f"{self.could_not_run} of {self.applicable} checks could not run"
        return f"{text}; main causes: {causes}" if causes else text

    def as_dict(self) -> dict[str, Any]:
        return {
            "not_applicable": self.not_applicable,
            "could_not_run": self.could_not_run,
            "applicable": self.applicable,
            "mostly_skipped": self.mostly_skipped,
            "nothing_tested": self.nothing_tested,
            "modules_tested": list(self.modules_tested),
            "causes": [{"cause": cause, "checks": count} for cause, count in self.causes],
            "sentence": self.sentence,
        }


def summarize_skips(records: Iterable[Mapping[str, Any]]) -> SkipSummary:
    """The skip summary of check records (``id``, ``outcome``, ``message``, as in results.json,
    and a skip's ``SKIP_KIND``)."""
    total = inapplicable = 0
    causes: Counter[str] = Counter()
    tested: set[str] = set()
    untested: set[str] = set()
    for record in records:
        total += 1
        prefix = str(record["id"]).split(".", 1)[0]
        module = prefix not in NOT_A_MODULE
        if record["outcome"] in _JUDGED:
            if module:
                tested.add(prefix)
            continue
        reason = record.get("message") or ""
        if record.get(SKIP_KIND) == NOT_APPLICABLE:
            inapplicable += 1
            continue
        causes[cause_of(reason)] += 1
        if module:
            untested.add(prefix)
    return SkipSummary(
        total=total,
        not_applicable=inapplicable,
        could_not_run=sum(causes.values()),
        causes=tuple(causes.most_common(_TOP)),
        modules_tested=tuple(sorted(tested)),
        modules_untested=tuple(sorted(untested - tested)),
    )
