"""Every distribution in dvcbot's runtime dependency tree may ship with Apache-2.0."""

from __future__ import annotations

import re
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = "dvcbot"
# Licences that may be combined with and shipped under Apache-2.0 (permissive, or weak
# copyleft limited to the library's own files: MPL-2.0, LGPL used as an unmodified library).
ALLOWED = re.compile(
    r"\b(MIT|BSD|Apache|ISC|PSF|Python Software Foundation|MPL|Mozilla Public License|"
    r"LGPL|Lesser General Public|Unlicense|0BSD|Zlib|HPND|CC0|Public Domain)\b",
    re.IGNORECASE,
)
# Strong copyleft or source-available licences: a dvcbot release could not stay Apache-2.0.
DENIED = re.compile(
    r"(?<!L)(\bGPL\b|\bAGPL\b|GNU General Public|Affero|SSPL|Server Side Public|"
    r"Business Source|Commons Clause|EUPL)",
    re.IGNORECASE,
)
# Distributions whose metadata names no licence, with what their licence actually is.
EXPLAINED: dict[str, str] = {}


def runtime_tree() -> dict[str, metadata.Distribution]:
    """dvcbot and what its non-optional requirements pull in, extras requested included."""
    found: dict[str, metadata.Distribution] = {}
    todo: list[tuple[str, frozenset[str]]] = [(ROOT, frozenset())]
    while todo:
        name, extras = todo.pop()
        dist = metadata.distribution(name)
        key = canonicalize_name(dist.metadata["Name"])
        seen = key in found
        found[key] = dist
        for line in dist.requires or []:
            requirement = Requirement(line)
            wanted = requirement.marker is None or any(
                requirement.marker.evaluate({"extra": extra}) for extra in {"", *extras}
            )
            if wanted and (not seen or requirement.marker is not None):
                todo.append((requirement.name, frozenset(requirement.extras)))
    return found


def licences(dist: metadata.Distribution) -> list[str]:
    meta = dist.metadata
    found = [meta.get("License-Expression") or ""]
    short = (meta.get("License") or "").strip()
    if short and len(short) < 200:  # some put the whole licence text here: skip it
        found.append(short)
    found += [c for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return [f for f in found if f and f != "UNKNOWN"]


def verdict(texts: list[str]) -> str:
    alternatives = [part for text in texts for part in re.split(r"\bOR\b", text)]
    if any(ALLOWED.search(a) and not DENIED.search(a) for a in alternatives):
        return "allowed"
    if any(DENIED.search(a) for a in alternatives):
        return "denied"
    return "unknown"


def test_the_runtime_dependency_tree_is_known() -> None:
    tree = runtime_tree()
    for name in ("python-telegram-bot", "sqlalchemy", "aiohttp", "rapidfuzz"):
        assert name in tree
    assert "django" not in tree, "test-only packages are not part of what dvcbot ships with"


def test_no_dependency_has_a_licence_incompatible_with_apache_2() -> None:
    denied, unknown = [], []
    for name, dist in sorted(runtime_tree().items()):
        if name == ROOT:
            continue
        texts = licences(dist)
        result = verdict(texts)
        if result == "denied":
            denied.append(f"{name} {dist.version}: {texts}")
        elif result == "unknown" and name not in EXPLAINED:
            unknown.append(f"{name} {dist.version}: {texts or 'no licence in its metadata'}")
    assert denied == [], "licences incompatible with Apache-2.0"
    assert unknown == [], "check these licences by hand and explain them in EXPLAINED"


def test_the_check_tells_copyleft_from_permissive() -> None:
    assert verdict(["GPL-3.0-or-later"]) == "denied"
    assert (
        verdict(["License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)"])
        == "denied"
    )
    assert verdict(["AGPL-3.0-only"]) == "denied"
    assert verdict(["LGPL-3.0-or-later"]) == "allowed"
    assert verdict(["MIT OR GPL-2.0"]) == "allowed"
    assert verdict(["License :: OSI Approved :: Apache Software License"]) == "allowed"
    assert verdict([]) == "unknown"


def test_dvcbot_says_apache_2_and_ships_the_licence_text() -> None:
    from pathlib import Path

    assert metadata.distribution(ROOT).metadata.get("License") == "Apache-2.0"
    text = (Path(__file__).resolve().parents[1] / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
