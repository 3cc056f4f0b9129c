"""Money from capacity: billed CU x the price per CU-hour; a price is configured or listed, never guessed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from provider.core.capacity import capacity_of
from provider.core.pricing import LIST_PRICES_USD, PriceError, cost_line, format_money, over_cost_budget, price_for


def cluster(head: tuple[int, int], *groups: tuple[int, int, int, int]) -> dict:
    """(cpu, GiB) of the head; (cpu, GiB, replica, maxReplica) per group; autoscaling on."""
    return {
        "headSpec": {"cpu": str(head[0]), "memory": f"{head[1]}Gi", "enableAutoScaling": True},
        "workerSpec": [
            {"groupName": f"g{i}", "cpu": str(c), "memory": f"{m}Gi", "replica": r, "maxReplica": most}
            for i, (c, m, r, most) in enumerate(groups)
        ],
    }


def test_a_configured_price_wins_and_a_listed_region_has_its_list_price() -> None:
    configured = price_for("cn-hangzhou", "0.1", "cny")
    assert configured is not None and (configured.per_cu_hour, configured.currency) == (Decimal("0.1"), "CNY")
    listed = price_for("cn-hangzhou")
    assert listed is not None and listed.per_cu_hour == Decimal("0.050302") and listed.currency == "USD"
    assert "cn-hangzhou" in listed.source and "2026-03-18" in listed.source


@pytest.mark.parametrize("region", [None, "", "cn-zhangjiakou", "mars-north-1"])
def test_an_unknown_region_gives_no_price_never_a_guess(region: str | None) -> None:
    assert price_for(region) is None


def test_list_prices_are_usd_only() -> None:
    assert price_for("cn-hangzhou", None, "CNY") is None  # a CNY price must be configured
    assert all(value > 0 for value in LIST_PRICES_USD.values())


@pytest.mark.parametrize(
    ("price", "currency"), [("abc", None), ("-1", None), ("0", None), ("nan", None), ("1", "dollars")]
)
def test_a_bad_price_or_currency_is_refused_with_its_key(price: str, currency: str | None) -> None:
    with pytest.raises(PriceError) as refused:
        price_for("cn-hangzhou", price, currency)
    assert refused.value.key == ("currency" if currency else "cuHourPrice")


def test_the_cpu_memory_discount_applies_to_2_to_3_gib_per_vcpu_only() -> None:
    # head 2 vCPU / 8 GiB (4 GiB per vCPU): 2 CU, no discount; a group of 4 vCPU / 8 GiB (2 GiB per vCPU): 4 CU
    # each, billed 80% = 3.2; a group of 4 vCPU / 4 GiB (1 GiB per vCPU): 4 CU, no discount on the current page.
    capacity = capacity_of(cluster((2, 8), (4, 8, 2, 3), (4, 4, 1, 1)))
    assert capacity is not None
    assert (capacity.cu, capacity.cu_max) == (Decimal(14), Decimal(18))
    assert (capacity.billed_cu, capacity.billed_cu_max) == (Decimal("12.4"), Decimal("15.6"))


def test_the_cost_line_and_its_arithmetic() -> None:
    price = price_for("cn-hangzhou")
    before, after = capacity_of(cluster((2, 8), (2, 8, 1, 1))), capacity_of(cluster((2, 8), (2, 8, 3, 3)))
    # 4 CU x 0.050302 = 0.201208 -> $0.20/h, x 730 = $146.88; 8 CU -> $0.40/h, $293.76/month
    assert cost_line(before, after, price) == "cost $0.20 -> $0.40/h, $146.88 -> $293.76/month"
    assert cost_line(None, after, price) == "cost $0.40/h, $293.76/month"
    assert cost_line(before, after, None) == ""
    assert format_money(Decimal("1234.5"), "CNY") == "1,234.50 CNY"


def test_the_cost_budget_names_each_share() -> None:
    price = price_for("us-east-1")
    assert price is not None
    shares = {"a": capacity_of(cluster((2, 8), (2, 8, 1, 9))), "b": None}
    # a at its maximum: 2 + 9 x 2 = 20 CU x 0.053801 = 1.07602 per hour
    assert over_cost_budget(shares, Decimal("2"), price, "k") is None
    text = over_cost_budget(shares, Decimal("1"), price, "k")
    assert (
        text is not None and "$1.08/h" in text and "a $1.08" in text and "Not counted (sizes not declared): b" in text
    )


def test_the_readme_example_line_is_the_arithmetic_of_its_numbers() -> None:
    """18 -> 26 CU at the cn-hangzhou list price: 18 x 0.050302 = 0.905436 ($0.91), x 730 = $660.97."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    before, after = capacity_of(cluster((2, 8), (2, 8, 8, 8))), capacity_of(cluster((2, 8), (2, 8, 12, 12)))
    assert before is not None and after is not None and (before.cu, after.cu) == (18, 26)
    assert f"capacity 18 -> 26 CU (+8); {cost_line(before, after, price_for('cn-hangzhou'))}" in readme
