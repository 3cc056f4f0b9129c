"""The acceptance run's own machinery, dry-run against a private emulator posing as the service.

`pytest -m acceptance` is otherwise run only by someone with an account, so its real-service branch (the provider
server configured by region and endpoint, the request-log observer of that server, the clean-up by name prefix,
`--record`) would first run when it matters. Here it runs in a child pytest with the acceptance settings pointing
at an emulator (RAY_CLUSTERS_ACCEPTANCE_ENDPOINT), which also holds a colleague's cluster that must survive.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.emulator import Emulator
from tests.support.backends import ACCEPTANCE_PREFIX

ROOT = Path(__file__).resolve().parents[2]
WORKSPACE = "w-acc000000001"


@pytest.mark.timeout(240)
def test_the_acceptance_run_passes_cleans_up_only_its_own_and_records_redacted(
    tmp_path: Path, make_emulator: Callable[..., Emulator]
) -> None:
    from alibabacloud_emr_serverless_spark20230808 import models

    service = make_emulator(startup_seconds=0.5)
    colleague = service.sdk().create_ray_cluster(WORKSPACE, models.CreateRayClusterRequest(name="colleague"))
    recording = tmp_path / "recorded"
    env = {
        **os.environ,
        "RAY_CLUSTERS_ACCEPTANCE": "1",
        "ALIBABA_CLOUD_ACCESS_KEY_ID": service.access_key_id,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": service.access_key_secret,
        "ALIBABA_CLOUD_REGION_ID": "cn-hangzhou",
        "RAY_CLUSTERS_ACCEPTANCE_WORKSPACE": WORKSPACE,
        "RAY_CLUSTERS_ACCEPTANCE_ENDPOINT": service.url,
    }
    env.pop("PYTEST_ADDOPTS", None)

    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "acceptance", "-p", "no:cacheprovider", "-q", "-rs",
         "--record", str(recording), "tests/provider/test_journey.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=200,
    )  # fmt: skip

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "2 passed" in run.stdout  # the journey on the "service" and the comparison of what it recorded
    left = {(c["name"], c["clusterId"]) for c in service.clusters()}
    assert left == {("colleague", colleague.body.cluster_id)}, "the run deleted a cluster not its own, or left one"
    assert any(entry["body"] and entry["body"].get("name", "").startswith(ACCEPTANCE_PREFIX)
               for entry in service.journal("CreateRayCluster"))  # fmt: skip
    gets = [json.loads(p.read_text()) for p in sorted(recording.glob("*-GetRayCluster-*.json"))]
    assert [g["state"] for g in gets] == ["Running", "Running", "Stopped", "Running"]
    for answer in gets:
        assert answer["submitToken"] == "[redacted]" and answer["dashboardUrl"].endswith("token=[redacted]")
        assert {answer[k] for k in ("userId", "creator", "modifier", "creatorName", "modifierName")} == {"[redacted]"}
