"""pyproject.toml installs without deprecation warnings from the setuptools the build asks for."""

from __future__ import annotations

import re
import tomllib
import warnings
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
SPDX_LICENSE_SETUPTOOLS = Version("77")  # the first setuptools that reads `license = "<SPDX expression>"`


def test_license_is_an_spdx_expression_and_the_build_requires_a_setuptools_that_reads_it() -> None:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    assert config["project"]["license"] == "MIT"
    setuptools = [Requirement(r) for r in config["build-system"]["requires"]
                  if Requirement(r).name == "setuptools"]
    assert setuptools and not setuptools[0].specifier.contains(Version("76.9")), setuptools
    assert setuptools[0].specifier.contains(SPDX_LICENSE_SETUPTOOLS)
    assert not any(re.match(r"License ::", c) for c in config["project"].get("classifiers", [])), \
        "setuptools refuses license classifiers next to an SPDX license expression"


def test_setuptools_reads_the_project_table_without_warnings() -> None:
    from setuptools.config.pyprojecttoml import apply_configuration
    from setuptools.dist import Distribution

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dist = apply_configuration(Distribution(), PYPROJECT)
    assert dist.metadata.license_expression == "MIT"
