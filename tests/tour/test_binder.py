"""Binder and the README's commands stay consistent with the scripts CI runs.

binder/ must install the same package set as ``scripts/demo`` and ``scripts/test`` (the
project itself with the extras ``scripts/_env.sh`` installs, every dependency coming from
pyproject.toml), build the same demo workspace, and the README's two commands must be the
ones ``.ci/run`` and the scripts actually run.
"""

from __future__ import annotations

import os
import re
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - tomli is a dependency on 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"


def commands(path: Path) -> list[str]:
    """The shell commands of a script: its lines without comments, blanks and the shebang."""
    lines = [line.strip() for line in path.read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def requirement_lines() -> list[str]:
    """binder/requirements.txt without comments and blank lines."""
    return commands(BINDER / "requirements.txt")


def script_extras() -> set[str]:
    """The extras scripts/_env.sh installs by default (``${MLOPS_EXTRAS:-dev}``)."""
    text = (ROOT / "scripts" / "_env.sh").read_text()
    found = set(re.findall(r'pip install -q -e "\.\[\$\{MLOPS_EXTRAS:-([a-z0-9_,-]+)\}\]"', text))
    assert len(found) == 1, "scripts/_env.sh no longer installs `-e .[${MLOPS_EXTRAS:-...}]`"
    return set(found.pop().split(","))


def readme_commands() -> list[list[str]]:
    """The commands of the README's "Two commands" block, split as a shell would."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Two commands", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "the README's 'Two commands' section has no bash block"
    return [shlex.split(line, comments=True) for line in block.group(1).splitlines()
            if line.strip()]


def test_binder_installs_the_project_with_the_scripts_extras():
    # One line, the project itself: a package listed here would diverge from pyproject.toml.
    [line] = requirement_lines()
    match = re.fullmatch(r"\.\[([a-z0-9_,-]+)\]", line)
    assert match, f"binder/requirements.txt must be `.[extras]`, not {line!r}"
    extras = set(match.group(1).split(","))
    assert extras == script_extras()
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert extras <= set(declared["optional-dependencies"])
    # An environment.yml would make repo2docker ignore requirements.txt.
    assert not (BINDER / "environment.yml").exists()
    assert not (ROOT / "environment.yml").exists()


def test_binder_python_satisfies_the_project():
    [runtime] = commands(BINDER / "runtime.txt")
    major, minor = map(int, re.fullmatch(r"python-(\d+)\.(\d+)", runtime).groups())
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    floor = re.fullmatch(r">=(\d+)\.(\d+)", declared["requires-python"])
    assert floor, declared["requires-python"]
    assert (major, minor) >= tuple(map(int, floor.groups()))


def test_post_build_is_executable_and_builds_the_demo_like_scripts_demo():
    post_build = BINDER / "postBuild"
    assert post_build.stat().st_mode & stat.S_IXUSR, "binder/postBuild must be executable"
    assert post_build.read_text().startswith("#!/usr/bin/env bash\n")
    done = subprocess.run(["bash", "-n", str(post_build)], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    steps = commands(post_build)
    assert steps[0] == "set -euo pipefail"
    # The demo is the last step, exactly as scripts/demo runs it (minus its pass-through args).
    [demo] = [line for line in commands(ROOT / "scripts" / "demo") if line.startswith("python ")]
    assert steps[-1] == demo.replace(' "$@"', "")
    # The extension checks are the ones scripts/test makes, so Binder fails as loudly as CI.
    test_script = (ROOT / "scripts" / "test").read_text()
    for check in [line for line in steps if line.startswith(("grep -Eq", "labext=", "serverext="))]:
        assert check in test_script


def test_readme_commands_are_the_ones_ci_runs():
    found = readme_commands()
    assert [words[0] for words in found] == ["scripts/demo", "scripts/test"]
    assert all(len(words) == 1 for words in found), found
    for [script] in found:
        assert os.access(ROOT / script, os.X_OK), f"{script} is not executable"
    ci = ROOT / ".ci" / "run"
    assert os.access(ci, os.X_OK)
    # .ci/run changes to the repository root, then runs exactly the README's test command.
    assert commands(ci)[-1] == "scripts/test"
    assert [line for line in commands(ci) if line.startswith("scripts/")] == ["scripts/test"]
    # Both scripts install through the same shared environment step.
    for script in ("demo", "test"):
        assert 'source "$(dirname "$0")/_env.sh"' in commands(ROOT / "scripts" / script)


def test_readme_binder_link_opens_the_quickstart():
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"https://mybinder\.org/v2/gh/([^/\s)]+/[^/\s)]+)/([^?\s)]+)\?urlpath="
                       r"([^\s)]+)", readme)
    if not links:
        pytest.skip("the README has no Binder link yet")
    source = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Source"]
    for repo, _ref, urlpath in links:
        assert source.rstrip("/").endswith("github.com/" + repo)
        assert urlpath.startswith("lab/tree/")
        assert (ROOT / urlpath.removeprefix("lab/tree/")).is_file(), urlpath
