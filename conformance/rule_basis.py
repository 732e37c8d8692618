"""What each check rests on in the spec: the data of conformance/rule_basis.toml.

The file maps every check id to the strength of the spec rule behind it (``basis``), where that
rule is, and the rule in our own words. A MUST check may rest only on a rule the spec states at
MUST/SHALL level, on a mandatory field, or on what the spec defines a thing to be; a rule the
spec only advises makes a SHOULD check (tests/suite/test_rule_basis.py holds that line).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

__all__ = ["BASES", "MUST_BASES", "RuleBasis", "load_rule_basis"]

MUST_BASES = ("MUST", "SHALL", "REQUIRED-FIELD", "DEFINITION")
BASES = (*MUST_BASES, "SHOULD", "MAY", "UNSTATED")


@dataclass(frozen=True)
class RuleBasis:
    """The spec rule one check rests on."""

    check_id: str
    basis: str
    where: str
    rule: str

    @property
    def allows_must(self) -> bool:
        """Whether a check on this rule may fail the run (else it has to warn)."""
        return self.basis in MUST_BASES


def load_rule_basis() -> dict[str, RuleBasis]:
    """Every entry of rule_basis.toml, by check id; ValueError on an entry that is not whole."""
    text = resources.files("conformance").joinpath("rule_basis.toml").read_text(encoding="utf-8")
    found: dict[str, RuleBasis] = {}
    for check_id, entry in tomllib.loads(text).items():
        missing = [key for key in ("basis", "where", "rule") if not entry.get(key)]
        if missing:
            raise ValueError(f"rule_basis.toml [{check_id!r}] lacks {', '.join(missing)}")
        if entry["basis"] not in BASES:
            raise ValueError(
                f"rule_basis.toml [{check_id!r}] basis {entry['basis']!r} is not one of "
                + ", ".join(BASES)
            )
        found[check_id] = RuleBasis(check_id, entry["basis"], entry["where"], entry["rule"])
    return found
