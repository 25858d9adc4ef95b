"""`make test` without chromium: skip with one closing note, fail under CI; bin/ensure-tool.

The suite runs pytest in a subprocess on a tiny browser-marked test with CHROMIUM_PATH
pointing at a file that does not exist. apt-get is never called for real: the install
path runs against a fake apt-get first on PATH.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENSURE_TOOL = ROOT / "bin" / "ensure-tool"

TINY_TEST = """
import pytest

@pytest.mark.browser
def test_needs_a_browser():
    raise AssertionError("a browser test ran without chromium")

def test_plain():
    assert True
"""


# The inner pytest runs on the embedded default (in-memory SQLite, local-memory cache): with
# this run's REDIS_URL and no xdist worker number it would flush Redis database 0 (its
# autouse cache.clear()), which is another worker's, in the middle of that worker's test.
_SHARED_SERVICES = ("DATABASE_URL", "REDIS_URL", "TEST_DB_NAME", "DJANGO_ALLOW_ASYNC_UNSAFE")


def _clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "CI")) and k not in _SHARED_SERVICES
    }
    return {**env, **extra}


def _pytest(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    test_file = tmp_path / "test_tiny_browser.py"
    test_file.write_text(TINY_TEST)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-c",
        str(ROOT / "pyproject.toml"),
        "--rootdir",
        str(ROOT),
        "-p",
        "tests.conftest",
        "-p",
        "no:xdist",
        str(test_file),
    ]
    return subprocess.run(
        command, cwd=ROOT, env=_clean_env(**env), capture_output=True, text=True, timeout=120
    )


def test_missing_chromium_skips_browser_tests_and_ends_with_one_note(tmp_path):
    # given / when
    result = _pytest(tmp_path, CHROMIUM_PATH=str(tmp_path / "no-chromium"))

    # then
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert "1 passed, 1 skipped" in lines[-2]
    assert lines[-1] == (
        f"NOTE: 1 browser tests were skipped because {tmp_path / 'no-chromium'} is missing; "
        "to run them: apt-get install chromium fonts-dejavu-core (or set CHROMIUM_PATH)."
    )
    assert result.stdout.count("NOTE:") == 1


def test_missing_chromium_under_ci_is_a_failure_not_a_skip(tmp_path):
    result = _pytest(tmp_path, CHROMIUM_PATH=str(tmp_path / "no-chromium"), CI="true")

    assert result.returncode != 0
    assert "1 passed, 1 error" in result.stdout
    assert "no-chromium is missing: browser tests need Debian's chromium" in result.stdout
    assert "skipped" not in result.stdout.splitlines()[-1]
    assert "NOTE:" not in result.stdout


def test_present_chromium_runs_browser_tests(tmp_path):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")

    result = _pytest(tmp_path, CHROMIUM_PATH=str(fake))

    assert result.returncode == 1  # the tiny browser test ran (and raised)
    assert "a browser test ran without chromium" in result.stdout
    assert "NOTE:" not in result.stdout


def _ensure_tool(*args: str, path_prefix: Path | None = None, **env: str):
    environment = _clean_env(**env)
    if path_prefix is not None:
        environment["PATH"] = f"{path_prefix}{os.pathsep}{environment['PATH']}"
    return subprocess.run(
        [sys.executable, str(ENSURE_TOOL), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_ensure_tool_is_quiet_when_the_program_is_there(tmp_path):
    present = tmp_path / "chromium"
    present.write_text("#!/bin/sh\n")
    present.chmod(0o755)

    result = _ensure_tool(str(present), "chromium", ENSURE_TOOL_INSTALL="0")

    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_ensure_tool_without_installing_says_what_to_install(tmp_path):
    missing = tmp_path / "chromium"

    result = _ensure_tool(str(missing), "chromium", "fonts-dejavu-core", ENSURE_TOOL_INSTALL="0")

    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"ensure-tool: {missing} is missing (ENSURE_TOOL_INSTALL=0): "
        "apt-get install chromium fonts-dejavu-core"
    )


def test_ensure_tool_looks_commands_up_on_path(tmp_path):
    result = _ensure_tool("no-such-wrk-here", "wrk", ENSURE_TOOL_INSTALL="0")

    assert result.returncode == 1
    assert result.stderr.strip().endswith("apt-get install wrk")


@pytest.mark.skipif(os.geteuid() != 0, reason="the install path runs only as root")
def test_ensure_tool_installs_with_apt_get_quietly_and_non_interactively(tmp_path):
    # given: a fake apt-get that logs its calls and "installs" the program
    target = tmp_path / "installed" / "chromium"
    log = tmp_path / "apt.log"
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    apt = fake_bin / "apt-get"
    apt.write_text(
        "#!/bin/sh\n"
        f'echo "$DEBIAN_FRONTEND $*" >> {log}\n'
        f'if [ "$1" = install ]; then mkdir -p {target.parent}; '
        f"printf '#!/bin/sh\\n' > {target}; chmod +x {target}; fi\n"
    )
    apt.chmod(0o755)

    # when
    result = _ensure_tool(str(target), "chromium", "fonts-dejavu-core", path_prefix=fake_bin)

    # then
    assert result.returncode == 0, result.stderr
    assert log.read_text().splitlines() == [
        "noninteractive update -qq",
        "noninteractive install -y -qq chromium fonts-dejavu-core",
    ]
    assert target.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="the install path runs only as root")
def test_ensure_tool_reports_a_failed_install(tmp_path):
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    apt = fake_bin / "apt-get"
    apt.write_text("#!/bin/sh\nexit 100\n")
    apt.chmod(0o755)

    result = _ensure_tool("no-such-wrk-here", "wrk", path_prefix=fake_bin)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "ensure-tool: no-such-wrk-here is missing (apt-get install failed): apt-get install wrk"
    )
