"""docs/partners.md's verification example runs, and verifies what the worker signs."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

from tracking import webhooks

DOC = Path(settings.BASE_DIR) / "docs" / "partners.md"


def example() -> str:
    return re.search(r"```python\n(.*?)```", DOC.read_text(), re.S).group(1)


def test_the_example_runs_as_a_script(tmp_path):
    script = tmp_path / "verify.py"
    script.write_text(example())

    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=30)

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("signature verified: t=")


def test_the_example_verifies_our_signatures_and_refuses_old_ones():
    namespace: dict = {"__name__": "partners_doc"}
    exec(compile(example(), str(DOC), "exec"), namespace)  # noqa: S102 (our own doc)
    verify = namespace["verify"]
    body = b'{"data":[{"impressions":40}]}'
    fresh = webhooks.signature(secret="whsec_s", body=body, timestamp=int(time.time()))
    stale = webhooks.signature(secret="whsec_s", body=body, timestamp=int(time.time()) - 600)

    assert verify(fresh, body, "whsec_s")
    assert not verify(fresh, b'{"data":[{"impressions":41}]}', "whsec_s")
    assert not verify(stale, body, "whsec_s")
    assert not verify("garbage", body, "whsec_s")
