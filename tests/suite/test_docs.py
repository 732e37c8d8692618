"""docs/checks.md is generated from the check markers and the mock's faults, and kept current.

Regenerate it with: OCPI_UPDATE_DOCS=1 .venv/bin/pytest tests/suite/test_docs.py
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from conformance.catalogue import collect_checks, render_markdown
from conformance.rule_basis import load_rule_basis
from mock_party.faults import FAULTS

DOC = Path(__file__).resolve().parents[2] / "docs" / "checks.md"

INTRO = """\
# The checks

Generated from the checks' own markers (`ocpi-conformance checks --markdown`) and from
`mock_party/faults.py`; do not edit by hand. Regenerate with
`OCPI_UPDATE_DOCS=1 .venv/bin/pytest tests/suite/test_docs.py`.

A check is one OCPI requirement, with the same id in every version. **MUST** checks fail the
run, **SHOULD** checks warn. *Spec* is the 2.2.1 section; a run of 2.1.1 or 2.3.0 reports the
same clause in that version's numbering. *Mode* is the least mode a check needs: `read-only`
checks only GET, `sandbox` checks register with the target and write to it, `destructive` checks
unregister or delete. *Roles* are the target roles a check applies to, *Versions* the OCPI
versions; the others skip it, with the reason.

Each rule has one owner. The module checks judge the HTTP status and the payload of each answer;
the envelope, its `status_code`, its `timestamp`, the message ids and the content type are judged
by the `transport.*` checks over every answer of the run, and an answer whose problem belongs to
one of them (a 5xx, a body that is not JSON, no `data`) makes the module check skip, not fail.
The objects a target pushes to our counterpart are judged by `<module>.objects_valid`, the rest
of its requests by the `client.*` checks.

*What each check rests on* gives, per check, the spec rule behind it in our own words (from
`conformance/rule_basis.toml`) and how strongly the spec states it: MUST or SHALL, a mandatory
field (REQUIRED-FIELD), what the spec defines a field, parameter or code to be (DEFINITION), or
only advice (SHOULD, MAY) or nothing stated for that module (UNSTATED). A MUST check rests on
one of the first four; the others warn.
"""


def render() -> str:
    checks = collect_checks()
    per_module: dict[str, Counter] = {}
    for check in checks:
        per_module.setdefault(check["id"].split(".", 1)[0], Counter())[check["level"]] += 1
    levels = Counter(check["level"] for check in checks)
    lines = [
        INTRO,
        f"{len(checks)} checks: {levels['MUST']} MUST, {levels['SHOULD']} SHOULD.",
        "",
        "## Per module",
        "",
        "| Module | Checks | MUST | SHOULD |",
        "|---|---|---|---|",
    ]
    for module, counts in per_module.items():
        lines.append(
            f"| {module} | {sum(counts.values())} | {counts['MUST']} | {counts['SHOULD']} |"
        )
    lines += ["", "## Catalogue", "", render_markdown(checks), ""]
    lines += _basis_section(checks)
    lines += ["", "## Fault matrix", ""]
    lines += [
        "Every fault the mock can inject, and the checks it must make fail (or warn).",
        "`tests/suite/test_fault_matrix.py` runs the whole suite against a mock with each fault",
        "and asserts that these checks fail or warn and that every other check passes or skips;",
        "it also asserts that the clean mock CPO and eMSP pass without a failure or a warning.",
        "A fault whose checks do not exist yet is skipped there.",
        "",
        "| Fault | What the mock does | Checks that fail or warn |",
        "|---|---|---|",
    ]
    for fault in FAULTS.values():
        trips = [f"`{t}`" for t in fault.trips]
        description = fault.description.replace("|", "\\|")
        lines.append(f"| `{fault.id}` | {description} | {', '.join(trips) or '(none)'} |")
    lines += [
        "",
    ]
    return "\n".join(lines)


def _basis_section(checks: list[dict]) -> list[str]:
    basis = load_rule_basis()
    lines = [
        "## What each check rests on",
        "",
        "| Check id | Level | Basis | Where (spec) | The rule, in our words |",
        "|---|---|---|---|---|",
    ]
    for check in checks:
        entry = basis.get(check["id"])
        if entry is None:
            lines.append(f"| `{check['id']}` | {check['level']} | (not yet listed) | | |")
            continue
        rule = entry.rule.replace("|", "\\|")
        lines.append(
            f"| `{check['id']}` | {check['level']} | {entry.basis} | {entry.where} | {rule} |"
        )
    return lines


def test_docs_checks_md_is_current() -> None:
    text = render()
    if os.environ.get("OCPI_UPDATE_DOCS"):
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(text)
    assert DOC.exists(), "docs/checks.md is missing; " + __doc__.splitlines()[-1]
    assert DOC.read_text() == text, "docs/checks.md is out of date; " + __doc__.splitlines()[-1]
