"""`./scripts/acceptance` with RAY_CLUSTERS_ACCEPTANCE=1 but settings missing fails (exit 2), naming what is missing,
so that a misconfigured CI job is never green; it runs no test and builds nothing first."""

from __future__ import annotations

import os
import subprocess

from tests.support.paths import ROOT


def test_asked_for_but_not_configured_exits_2_with_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "ALICLOUD_", "RAY_CLUSTERS_"))}
    env.update(RAY_CLUSTERS_ACCEPTANCE="1", ALIBABA_CLOUD_ACCESS_KEY_ID="an-id")
    done = subprocess.run(
        [str(ROOT / "scripts" / "acceptance")], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2 and done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert "ALIBABA_CLOUD_ACCESS_KEY_SECRET" in line and "RAY_CLUSTERS_ACCEPTANCE_WORKSPACE" in line
    assert "ALIBABA_CLOUD_REGION_ID" in line and "ALIBABA_CLOUD_ACCESS_KEY_ID" not in line.split("these are not:")[1]
