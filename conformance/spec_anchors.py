"""Spec anchors per OCPI version: a check's 2.2.1 section translated to the version under test.

Checks name their clause once, as a 2.2.1 anchor (``"2.2.1 §8.3.1 Location Object"``), so check
ids and markers stay the same across versions. ``spec_anchor()`` gives the same clause in 2.1.1 or
2.3.0 from ``spec_anchors.json``, a table built from the spec repository by matching headings
(chapter, interface and title) — run ``python -m conformance.spec_anchors SPEC_REPO`` to rebuild it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["spec_anchor", "translate_anchors"]

_ANCHOR = re.compile(r"\b2\.2\.1(?:-d2)? §(\d+(?:\.\d+)*)( [^;\n]*)?")

# 2.2.1 chapter file → 2.1.1 markdown file (2.1.1 has no topology, charging profiles, hub info)
_CHAPTERS_211 = {
    "transport_and_format": "transport_and_format",
    "status_codes": "status_codes",
    "version_information_endpoint": "version_information_endpoint",
    "credentials": "credentials",
    "mod_locations": "mod_locations",
    "mod_sessions": "mod_sessions",
    "mod_cdrs": "mod_cdrs",
    "mod_tariffs": "mod_tariffs",
    "mod_tokens": "mod_tokens",
    "mod_commands": "mod_commands",
    "types": "types",
    "terminology": "terminology",
    "introduction": "introduction",
}


@cache
def _table() -> dict[str, dict[str, str]]:
    text = resources.files("conformance").joinpath("spec_anchors.json").read_text()
    return json.loads(text)


def spec_anchor(spec: str, version: str) -> str:
    """``spec`` with every 2.2.1 section anchor in it rewritten for ``version``."""
    if version == "2.2.1" or not spec:
        return spec
    table = _table().get(version, {})

    def _one(match: re.Match[str]) -> str:
        found = table.get(match.group(1))
        if found is None:
            return f"{version} (no matching section; 2.2.1 §{match.group(1)}{match.group(2) or ''})"
        return found

    return _ANCHOR.sub(_one, spec)


def translate_anchors(text: str, version: str) -> str:
    """Failure text with its ``Spec:`` anchors rewritten for ``version``."""
    return spec_anchor(text, version)


# ---- building the table from the spec repository (a developer tool) -------------------------


def _norm(title: str) -> str:
    title = re.sub(r"_|\*|`", "", title).lower()
    title = re.sub(r"\b(sender|receiver|cpo|emsp|interface|method|object|class|enum)\b", " ", title)
    return " ".join(re.findall(r"[a-z0-9]+", title))


def _git(repo: str, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", repo, *args], capture_output=True, text=True, check=True
    ).stdout


def _asciidoc_sections(repo: str, tag: str) -> list[tuple[str, str, str, str]]:
    """(chapter, number, title, parent title) of every heading, numbered as the PDF numbers them."""
    merge = _git(repo, "show", f"{tag}:scripts/merge.pl")
    files = re.search(r"qw\((.*?)\)", merge, re.S).group(1).split()  # type: ignore[union-attr]
    counters = [0] * 7
    out: list[tuple[str, str, str, str]] = []
    for name in files:
        titles: dict[int, str] = {}
        in_code = False
        for line in _git(repo, "show", f"{tag}:{name}.asciidoc").splitlines():
            if line.startswith("----"):
                in_code = not in_code
                continue
            m = re.match(r"^(=+) (.*)", line)
            if in_code or not m:
                continue
            level = len(m.group(1)) - 1
            if level < 1:
                continue
            counters[level] += 1
            counters[level + 1 :] = [0] * (6 - level)
            titles[level] = m.group(2).strip()
            number = ".".join(str(c) for c in counters[1 : level + 1])
            out.append((name, number, titles[level], titles.get(level - 1, "")))
    return out


def _markdown_sections(repo: str, tag: str) -> list[tuple[str, str, str, str]]:
    out: list[tuple[str, str, str, str]] = []
    for name in sorted(set(_CHAPTERS_211.values())):
        titles: dict[int, str] = {}
        in_code = False
        for line in _git(repo, "show", f"{tag}:{name}.md").splitlines():
            if line.startswith("```"):
                in_code = not in_code
                continue
            m = re.match(r"^(#+) (.*)", line)
            if in_code or not m:
                continue
            level = len(m.group(1))
            heading = m.group(2).strip()
            titles[level] = heading
            n = re.match(r"^(\d+(?:\.\d+)*)\.? (.*)", heading)
            number, title = (n.group(1), n.group(2)) if n else ("", heading)
            out.append((name, number, title, titles.get(level - 1, "")))
    return out


def _interface(parent: str, chapter: str) -> str:
    """'sender'/'receiver' from a 2.2.1 parent heading; 2.1.1 calls them CPO/eMSP interface."""
    p = parent.lower()
    owner_is_emsp = chapter == "mod_tokens"
    if "sender" in p or ("cpo" in p and not owner_is_emsp) or ("emsp" in p and owner_is_emsp):
        return "sender"
    if "receiver" in p or "cpo" in p or "emsp" in p:
        return "receiver"
    return ""


def _build(repo: str) -> dict[str, dict[str, str]]:
    base = _asciidoc_sections(repo, "v2.2.1-d2")
    targets = {
        "2.3.0": (_asciidoc_sections(repo, "v2.3.0"), {c: c for c, *_ in base}),
        "2.1.1": (_markdown_sections(repo, "2.1.1-d2"), _CHAPTERS_211),
    }
    table: dict[str, dict[str, str]] = {}
    for version, (sections, chapters) in targets.items():
        entries: dict[str, str] = {}
        for chapter, number, title, parent in base:
            other = chapters.get(chapter)
            if other is None:
                continue
            mine = [s for s in sections if s[0] == other]
            if not mine:
                continue
            key = (_norm(title), _interface(parent, chapter), _norm(parent))
            hits = (
                [s for s in mine if (_norm(s[2]), _interface(s[3], other), _norm(s[3])) == key]
                or [s for s in mine if (_norm(s[2]), _interface(s[3], other)) == key[:2]]
                or [s for s in mine if _norm(s[2]) == key[0]]
                or mine[:1]  # no such section: the chapter itself
            )
            _, n, t, _ = hits[0]
            t = re.sub(r"[_*]", "", t)
            if version == "2.1.1":
                label = chapter.removeprefix("mod_")
                entries[number] = f"2.1.1 {label} §{n} {t}" if n else f"2.1.1 {label}: {t}"
            else:
                entries[number] = f"{version} §{n} {t}"
        table[version] = entries
    return table


def main(argv: list[str] | None = None) -> None:
    repo = (argv or sys.argv[1:] or ["."])[0]
    table = _build(repo)
    path = resources.files("conformance").joinpath("spec_anchors.json")
    document: dict[str, Any] = {v: dict(sorted(t.items())) for v, t in sorted(table.items())}
    with open(str(path), "w", encoding="utf-8") as f:
        f.write(json.dumps(document, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
