"""requirements.lock is current: it pins every runtime dependency of pyproject.toml, and of those
dependencies, to versions their specifiers accept (the image and the test command install it)."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    return pins


def runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(text) for text in project["dependencies"]]


def test_every_dependency_of_pyproject_is_pinned_to_a_version_it_accepts() -> None:
    pins = locked()
    for requirement in runtime_requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, (
            f"{requirement.name} is not in requirements.lock: run scripts/lock-dependencies"
        )
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {name}=={pins[name]}, outside {requirement}"
        )


def test_the_lock_is_closed_over_what_its_packages_require() -> None:
    pins = locked()
    pending = [r for r in runtime_requirements()]
    seen: set[str] = set()
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        if name in seen or (requirement.marker and not requirement.marker.evaluate({"extra": ""})):
            continue
        seen.add(name)
        assert name in pins, f"{name} (needed through the dependency tree) is not locked"
        assert requirement.specifier.contains(pins[name], prereleases=True), (name, requirement)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        extras = requirement.extras
        for text in dist.requires or []:
            sub = Requirement(text)
            wanted = not sub.marker or any(
                sub.marker.evaluate({"extra": extra}) for extra in (extras or {""})
            )
            if wanted:
                pending.append(sub)
