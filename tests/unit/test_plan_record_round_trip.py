"""The plan record is one type with one JSON shape: what the plan file writes is what the report reads back.

The literal lines below are records as the previous version wrote them: they must still parse, render and be
written again byte for byte.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from provider.core.capacity import Capacity
from provider.core.plan import FieldChange
from provider.core.record import PlanRecord, RecordedChange
from provider.reporting import planfile, report

SMALL = Capacity(Decimal(12), Decimal(12), Decimal(12), Decimal(48), 0)
UPDATE_LINE = (
    '{"cluster":"grow","clusterId":"ray-abc","action":"update","changes":[{"path":"workerSpec[big].replica",'
    '"live":2,"declared":3,"drift":false},{"path":"headSpec.env","live":"(hidden)","declared":"(hidden)",'
    '"drift":true}],"capacity":{"before":{"cu":12,"cuMax":12,"vcpu":12,"memoryGiB":48,"gpuNodes":0},'
    '"after":{"cu":16,"cuMax":16,"vcpu":16,"memoryGiB":64,"gpuNodes":0}}}'
)
CREATE_LINE = (
    '{"cluster":"fresh","clusterId":null,"action":"create","changes":[],"capacity":{"before":null,'
    '"after":{"cu":2.5,"cuMax":4,"vcpu":2,"memoryGiB":10,"gpuNodes":1}}}'
)


def _without_added_keys(entry: dict) -> dict:
    """A record as the previous version wrote it: the keys added since (billed CU, cost) left out."""
    for side in ("before", "after"):
        if entry["capacity"][side] is not None:
            for key in ("billedCu", "billedCuMax"):
                entry["capacity"][side].pop(key)
    entry.pop("cost", None)
    return entry


def test_a_record_of_the_previous_version_is_read_and_written_again_with_every_key_kept(tmp_path: Path) -> None:
    """Keys may be added to the shape, never renamed or dropped; billed CU of an old record count as its CU."""
    plan_file = tmp_path / "plan.jsonl"
    for line in (UPDATE_LINE, CREATE_LINE):
        planfile.append(str(plan_file), PlanRecord.from_json(json.loads(line)))

    written = [json.loads(line) for line in plan_file.read_text().splitlines()]
    assert written[0]["capacity"]["after"]["billedCu"] == 16
    assert [_without_added_keys(entry) for entry in written] == [json.loads(UPDATE_LINE), json.loads(CREATE_LINE)]


def test_the_report_renders_a_plan_file_of_the_previous_version(tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.jsonl"
    plan_file.write_text(UPDATE_LINE + "\n" + CREATE_LINE + "\n")

    rows = report.table(report.read_records([str(plan_file)]))

    assert rows[1] == ["fresh", "create", "new cluster", "0 → 2.5 (+2.5)", "0 → 4 (+4)"]
    changes = "workerSpec[big].replica, headSpec.env (drift)"
    assert rows[2] == ["grow", "update", changes, "12 → 16 (+4)", "12 → 16 (+4)"]


def test_a_record_keeps_hidden_values_out_even_inside_a_whole_group() -> None:
    group = {"groupName": "new", "replica": 1, "env": "K=v-secret"}
    changes = [
        FieldChange("headSpec.env", "A=old-secret", "A=new-secret", "A=old-secret", drift=False),
        FieldChange("workerSpec[new]", None, group, None, drift=False),
    ]

    record = PlanRecord.of("analytics", "ray-abc", "update", changes, SMALL, SMALL)

    assert "secret" not in json.dumps(record.to_json())
    assert record.changes[0] == RecordedChange("headSpec.env", "(hidden)", "(hidden)", False)
    assert record.changes[1].declared == {"groupName": "new", "replica": 1, "env": "(hidden)"}
    assert PlanRecord.from_json(record.to_json()) == record


def test_only_the_cluster_is_required_when_reading() -> None:
    record = PlanRecord.from_json({"cluster": "a"})

    assert (record.action, record.changes, record.before, record.after) == ("none", (), None, None)
