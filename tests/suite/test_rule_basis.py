"""Every check rests on a spec rule of its level: conformance/rule_basis.toml covers every check,
names no unknown one, and no MUST check rests on advice (SHOULD, MAY) or on nothing stated."""

from __future__ import annotations

import functools

import pytest

from conformance.catalogue import collect_checks
from conformance.rule_basis import MUST_BASES, load_rule_basis


@functools.cache
def _levels() -> dict[str, str]:
    return {check["id"]: check["level"] for check in collect_checks()}


def test_every_check_has_a_basis() -> None:
    missing = sorted(set(_levels()) - set(load_rule_basis()))
    assert not missing, f"rule_basis.toml lacks an entry for {missing}"


def test_no_basis_for_an_unknown_check() -> None:
    unknown = sorted(set(load_rule_basis()) - set(_levels()))
    assert not unknown, f"rule_basis.toml names checks that do not exist: {unknown}"


def test_must_checks_rest_on_must_level_rules() -> None:
    basis = load_rule_basis()
    advised = {
        check_id: basis[check_id].basis
        for check_id, level in _levels().items()
        if level == "MUST" and check_id in basis and not basis[check_id].allows_must
    }
    assert not advised, (
        f"MUST checks resting on a rule the spec only advises (make them SHOULD): {advised}"
    )


def test_rules_are_short_and_in_our_words() -> None:
    # a long rule is a sign of a quote; the spec text is CC BY-ND
    long = {k: len(v.rule) for k, v in load_rule_basis().items() if len(v.rule) > 240}
    assert not long, f"rules longer than 240 characters: {long}"


@pytest.mark.parametrize("basis", ["SHOULDN'T", ""])
def test_a_bad_basis_is_refused(tmp_path, monkeypatch, basis: str) -> None:
    import conformance.rule_basis as module

    (tmp_path / "rule_basis.toml").write_text(
        f'["x.y"]\nbasis = "{basis}"\nwhere = "2.2.1 §1"\nrule = "r"\n', encoding="utf-8"
    )
    monkeypatch.setattr(module.resources, "files", lambda package: tmp_path)
    with pytest.raises(ValueError, match="x.y"):
        module.load_rule_basis()


def test_must_bases_are_the_strong_ones() -> None:
    assert set(MUST_BASES) == {"MUST", "SHALL", "REQUIRED-FIELD", "DEFINITION"}
