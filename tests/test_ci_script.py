""".ci/run installs Debian's Chromium (and gettext) when missing, before `make test` needs them.

The script is run for real on a copy, with stand-ins for the system commands it calls (apt-get,
sudo, id, the PostgreSQL and Redis clients, make) that only write down how they were called. The
copy looks for Chromium and msgfmt at paths that do not exist until the stand-in apt-get
"installs" them, so no package is installed and no service is touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CI_SCRIPT = ROOT / ".ci" / "run"
REAL_CHROMIUM = "/usr/bin/chromium"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")

STUBS = {
    # Services are up; the tracker database exists.
    "pg_isready": "exit 0",
    "redis-cli": "echo PONG",
    "psql": "echo 1",
    "make": 'echo "make $*" >> "$CALLS"',
    "id": 'if [ "$1" = "-u" ]; then echo "${STUB_UID:-0}"; else exec /usr/bin/id "$@"; fi',
    "sudo": 'echo "sudo $*" >> "$CALLS"; exec "$@"',
    # Installing chromium/gettext puts a stand-in where the script looks for it.
    "apt-get": """
echo "apt-get $*" >> "$CALLS"
case " $* " in
  *" install "*)
    [ -z "${STUB_APT_FAIL:-}" ] || exit 100
    case " $* " in *" chromium "*)
      printf '#!/bin/sh\\necho "Chromium 1.0 stand-in"\\n' > "$CHROMIUM_AT"
      chmod +x "$CHROMIUM_AT";;
    esac
    case " $* " in *" gettext "*)
      printf '#!/bin/sh\\nexit 0\\n' > "$STUB_BIN/msgfmt-stand-in"
      chmod +x "$STUB_BIN/msgfmt-stand-in";;
    esac;;
esac
""",
}


def _run(tmp_path: Path, *, chromium: bool, msgfmt: bool, **env: str):
    """Run a copy of .ci/run; returns (exit status, stderr+stdout, calls made in order)."""
    script = CI_SCRIPT.read_text()
    assert script.count(f"CHROMIUM={REAL_CHROMIUM}\n") == 1, "where does .ci/run look for Chromium?"
    chromium_at = tmp_path / "chromium"
    script = script.replace(f"CHROMIUM={REAL_CHROMIUM}\n", f"CHROMIUM={chromium_at}\n")
    script = script.replace("msgfmt", "msgfmt-stand-in")
    (tmp_path / ".ci").mkdir()
    copy = tmp_path / ".ci" / "run"
    copy.write_text(script)

    stub_bin = tmp_path / "bin"
    stub_bin.mkdir()
    for name, body in STUBS.items():
        (stub_bin / name).write_text(f"#!/bin/sh\n{body}\n")
        (stub_bin / name).chmod(0o755)
    if chromium:
        (chromium_at).write_text('#!/bin/sh\necho "Chromium 1.0 stand-in"\n')
        chromium_at.chmod(0o755)
    if msgfmt:
        (stub_bin / "msgfmt-stand-in").write_text("#!/bin/sh\nexit 0\n")
        (stub_bin / "msgfmt-stand-in").chmod(0o755)

    calls = tmp_path / "calls"
    calls.touch()
    run_env = {
        "PATH": f"{stub_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "CALLS": str(calls),
        "CHROMIUM_AT": str(chromium_at),
        "STUB_BIN": str(stub_bin),
        **env,
    }
    result = subprocess.run(
        ["bash", str(copy)], env=run_env, capture_output=True, text=True, timeout=60
    )
    return result.returncode, result.stdout + result.stderr, calls.read_text().splitlines()


def test_ci_installs_chromium_when_missing_before_the_tests_run(tmp_path):
    status, output, calls = _run(tmp_path, chromium=False, msgfmt=True)

    assert status == 0, output
    installs = [c for c in calls if c.startswith("apt-get") and " install " in c]
    assert len(installs) == 1
    assert installs[0].endswith("install -y --no-install-recommends chromium")
    assert calls.index(installs[0]) > max(
        i for i, c in enumerate(calls) if c.startswith("apt-get") and c.endswith(" update")
    )
    assert calls.index(installs[0]) < calls.index("make setup") < calls.index("make test")
    assert "browser: Chromium 1.0 stand-in" in output


def test_ci_installs_gettext_when_msgfmt_is_missing(tmp_path):
    status, output, calls = _run(tmp_path, chromium=True, msgfmt=False)

    assert status == 0, output
    assert [c for c in calls if " install " in c] == [
        next(c for c in calls if c.endswith("install -y --no-install-recommends gettext"))
    ]


def test_ci_installs_nothing_when_both_are_there(tmp_path):
    status, output, calls = _run(tmp_path, chromium=True, msgfmt=True)

    assert status == 0, output
    assert not [c for c in calls if c.startswith(("apt-get", "sudo"))]
    assert calls == [
        "make setup",
        "make lint",
        "make test",
        "make security SCHEMATHESIS_MAX_EXAMPLES=6",
    ]


def test_ci_uses_sudo_when_not_root(tmp_path):
    status, output, calls = _run(tmp_path, chromium=False, msgfmt=True, STUB_UID="1000")

    assert status == 0, output
    assert any(c.startswith("sudo ") and c.endswith("chromium") for c in calls)


def test_ci_stops_with_a_clear_message_when_the_install_fails(tmp_path):
    status, output, calls = _run(tmp_path, chromium=False, msgfmt=True, STUB_APT_FAIL="1")

    assert status != 0
    assert "error: apt-get install chromium failed" in output
    assert not [c for c in calls if c.startswith("make")]
