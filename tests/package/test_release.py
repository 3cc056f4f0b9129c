"""What a release carries besides code: a changelog entry for its version, and the template `pulumi new` reads."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import yaml
from pulumi.automation import ProjectTemplate

from provider.resource import CONFIG_KEYS
from provider.stack.config import WORKSPACE_KEY
from tests.support.paths import ROOT


def _template() -> dict[str, Any]:
    template: dict[str, Any] = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["template"]
    return template


def test_the_version_follows_semver_and_has_a_changelog_entry() -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    headings = re.findall(r"^## \[([^\]]+)\]", (ROOT / "CHANGELOG.md").read_text(), flags=re.MULTILINE)
    assert headings[0] == "Unreleased"
    assert version in headings


def test_the_template_asks_for_the_workspace_and_the_region_the_program_reads() -> None:
    template = _template()
    # The fields the Pulumi project schema allows in a template (the SDK's mirror of it).
    assert set(template) <= set(vars(ProjectTemplate()))
    assert set(template["config"]) == {WORKSPACE_KEY, CONFIG_KEYS["region"]}
    for key, value in template["config"].items():
        assert set(value) <= {"description", "default", "secret"}, key
        assert value["description"], key
    assert ProjectTemplate.from_dict(template).config[CONFIG_KEYS["region"]].default == "cn-hangzhou"
