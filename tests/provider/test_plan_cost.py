"""The cost in the plan, from real calls: a configured price per CU-hour reaches the preview's capacity line, the
plan file and the report; with no price known (the emulator's stacks have no region) the plan shows CU only.

Arithmetic by hand: `small_cluster()` is 12 CU (tests/provider/test_plan_report.py), billed as 12 (4 GiB per vCPU:
no ratio discount); at 0.05 per CU-hour that is 0.60 an hour and 0.60 x 730 = 438.00 a month. One more worker of
4 vCPU / 16 GiB makes 16 CU: 0.80 an hour, 584.00 a month.
"""

from __future__ import annotations

import json
from pathlib import Path

from harness.emulator import Emulator
from provider.reporting import report
from tests.support.provider_server import Engine, StderrMark, private_engine, provider_config, small_cluster


def test_a_configured_price_is_in_the_line_the_record_and_the_report(emulator: Emulator, tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.jsonl"
    config = {**provider_config(emulator), "ray-clusters:cuHourPrice": "0.05", "ray-clusters:currency": "EUR"}
    with private_engine(emulator, config=config, env={"RAY_CLUSTERS_PLAN_FILE": str(plan_file)}) as engine:
        grow, steady = Engine(engine.server, engine.provider, "grow"), Engine(engine.server, engine.provider, "steady")
        grow_id, grow_outs = grow.up_create(small_cluster(name="grow"))
        steady_id, steady_outs = steady.up_create(small_cluster(name="steady"))
        plan_file.write_text("")
        mark = StderrMark(engine.server)
        bigger = small_cluster(name="grow")
        bigger["workerSpec"][1]["replica"] = 3
        grow.preview(grow_id, grow_outs, bigger)
        steady.preview(steady_id, steady_outs, small_cluster(name="steady"))
        lines = mark.text().splitlines()

    assert f"grow ({grow_id}): capacity 12 -> 16 CU (+4); cost 0.60 -> 0.80 EUR/h, 438.00 -> 584.00 EUR/month" in lines
    records = {entry["cluster"]: entry for entry in map(json.loads, plan_file.read_text().splitlines())}
    cost = records["grow"]["cost"]
    assert (cost["currency"], cost["perCuHour"], cost["source"]) == ("EUR", 0.05, "ray-clusters:cuHourPrice")
    assert cost["before"]["perHour"] == 0.6 and cost["after"] == {
        "perHour": 0.8,
        "perHourMax": 0.8,
        "perMonth": 584.0,
        "perMonthMax": 584.0,
    }

    rows = report.table(report.read_records([str(plan_file)]))
    assert rows[0][-2:] == ["cost/h", "cost/month"]
    assert rows[1] == [
        "grow",
        "update",
        "workerSpec[big].replica",
        "12 → 16 (+4)",
        "12 → 16 (+4)",
        "0.60 EUR → 0.80 EUR",
        "438.00 EUR → 584.00 EUR",
    ]
    assert rows[2][-2:] == ["0.60 EUR", "438.00 EUR"]
    assert rows[-1][-2:] == ["1.20 EUR → 1.40 EUR", "876.00 EUR → 1,022.00 EUR"]


def test_no_price_known_shows_cu_only(engine: Engine, emulator: Emulator) -> None:
    cluster_id, outs = engine.up_create(small_cluster())
    bigger = small_cluster()
    bigger["workerSpec"][1]["replica"] = 3
    mark = StderrMark(engine.server)
    engine.preview(cluster_id, outs, bigger)
    assert f"analytics ({cluster_id}): capacity 12 -> 16 CU (+4)" in mark.text().splitlines()
    assert "cost" not in mark.text()
