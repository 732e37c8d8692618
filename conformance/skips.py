"""Why checks skipped, in two kinds, and whether the run tested any module at all.

A skip is either *not applicable*: the check does not concern this target or this run (another
role, another version, a module the target does not offer, a mode not chosen), or *could not
run*: the check concerns the target but something stood in the way (no registration, a list that
cannot be read, nothing pushed to us). A demo run skips many checks of the first kind and must
not be flagged; a run where most checks of the second kind skip looks clean while little was
tested, so the console, report.html and results.json say so, and when no module could be tested
at all the run exits with its own status (cli.EXIT_NOTHING_TESTED).

The kinds are told apart by the skip reasons' wording, which the plugin and the checks share.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["NOT_A_MODULE", "SkipSummary", "cause_of", "not_applicable", "summarize_skips"]

# What a skip reason starts (or, after "the target ", goes on) with when the check does not
# concern this target or run.
_NOT_APPLICABLE = (
    "does not apply to ",  # ocpi_core.versions.not_applicable: another OCPI version
    "applies to ",  # plugin: another role ("applies to EMSP targets only")
    "needs --mode ",  # plugin: a mode this run did not choose
    "read-only mode: ",  # a check that would change the target's state
    "--churn-wait is 0",  # the delta check switched off
)
_TARGET_NOT_APPLICABLE = (
    "offers no ",  # a module or interface, or another version, the target does not offer
    "is reached directly, not through a hub",
    "is reached through a hub: ",  # judged by the via_hub checks instead
    "does not take clientinfo from us",
)
# Check-id prefixes that judge the connection rather than a module's data.
NOT_A_MODULE = frozenset(
    {"versions", "credentials", "transport", "auth", "client", "discovery", "via_hub"}
)
_JUDGED = ("pass", "fail", "warn", "xfail", "error")
_URL = re.compile(r"https?://\S+")
_TOP = 3
_LOUD_SHARE = 0.5  # flagged when more than this share of the applicable checks could not run


def not_applicable(reason: str) -> bool:
    """Whether a skip ``reason`` says the check does not concern this target or run."""
    text = reason.strip().lower()
    if text.startswith(_NOT_APPLICABLE):
        return True
    return text.startswith("the target ") and text[len("the target ") :].startswith(
        _TARGET_NOT_APPLICABLE
    )


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
    """The skip summary of check records (``id``, ``outcome``, ``message``, as in results.json)."""
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
        if not_applicable(reason):
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
