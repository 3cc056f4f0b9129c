"""What capacity costs in money: billed CU x the price per CU-hour, per hour and per month (730 h).

The price is ``ray-clusters:cuHourPrice`` (with ``ray-clusters:currency``, default USD) when set; otherwise the
public pay-as-you-go list price of the region, from the table below. A region the table lacks gives no price,
and the plan shows CU only: an estimate is never guessed.

Source of the table: Alibaba Cloud, "E-MapReduce: Compute resources (pay-as-you-go)", EMR Serverless Spark,
https://www.alibabacloud.com/help/en/emr/emr-serverless-spark/product-overview/compute-resources-pay-as-you-go
(page last updated 2026-03-18; read 2026-12-05). The page prices mainland China (Beijing, Shanghai, Hangzhou,
Shenzhen) in one cell. Region ids: "Supported regions" of the same documentation. Prices on the purchase page
may differ (the page says so); subscription (prepaid) queues are not billed per CU-hour at all.

The CPU:memory discount is applied to the CU count (``capacity.billed_cu``), as the same page defines it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from provider.core.capacity import Capacity
from provider.schema.errors import EmrError

HOURS_PER_MONTH = Decimal(730)
#: Config keys of the project namespace: a price per CU-hour that overrides the list price, and its currency.
PRICE_KEY, CURRENCY_KEY = "cuHourPrice", "currency"
SOURCE = "alibabacloud.com EMR Serverless Spark pay-as-you-go list price (page of 2026-03-18, read 2026-12-05)"

#: USD per CU-hour, pay-as-you-go, by region id.
LIST_PRICES_USD: Mapping[str, Decimal] = {
    "cn-beijing": Decimal("0.050302"),
    "cn-shanghai": Decimal("0.050302"),
    "cn-hangzhou": Decimal("0.050302"),
    "cn-shenzhen": Decimal("0.050302"),
    "cn-hongkong": Decimal("0.074048"),
    "ap-southeast-1": Decimal("0.067106"),
    "ap-southeast-5": Decimal("0.067106"),
    "ap-northeast-1": Decimal("0.069420"),
    "eu-central-1": Decimal("0.064792"),
    "us-east-1": Decimal("0.053801"),
    "us-west-1": Decimal("0.053801"),
    "na-south-1": Decimal("0.051220"),
}


class PriceError(EmrError):
    """A configured price or currency that cannot be used (the program raises it before any resource)."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(reason)
        #: The config key at fault: PRICE_KEY or CURRENCY_KEY.
        self.key = key


@dataclass(frozen=True)
class Price:
    """A price per CU-hour and where it came from."""

    per_cu_hour: Decimal
    currency: str
    #: "ray-clusters:cuHourPrice" or the list price's region and source.
    source: str

    def hourly(self, capacity: Capacity) -> tuple[Decimal, Decimal]:
        """(cost per hour at the replicas it runs with, at its autoscaling maximum)."""
        return capacity.billed_cu * self.per_cu_hour, capacity.billed_cu_max * self.per_cu_hour

    def to_json(self) -> dict[str, Any]:
        return {"perCuHour": float(self.per_cu_hour), "currency": self.currency, "source": self.source}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Price:
        return cls(Decimal(str(data["perCuHour"])), str(data["currency"]), str(data.get("source", "")))


def price_for(region: str | None, configured: Any = None, currency: Any = None) -> Price | None:
    """The configured price if any, else the region's list price, else None (never a guess).

    Raises PriceError for a configured price that is not a positive number or a currency that is not a code.
    """
    code = "USD" if currency in (None, "") else str(currency).strip().upper()
    if not (len(code) == 3 and code.isalpha()):
        raise PriceError(CURRENCY_KEY, f"must be a currency code like USD or CNY, got {currency!r}.")
    if configured not in (None, ""):
        try:
            value = Decimal(str(configured).strip())
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite() or value <= 0:
            raise PriceError(PRICE_KEY, f"must be a positive price per CU-hour like 0.05, got {configured!r}.")
        return Price(value, code, "ray-clusters:cuHourPrice")
    if currency not in (None, "") and code != "USD":
        return None  # the list prices are in USD: a price in another currency must be configured
    listed = LIST_PRICES_USD.get(region or "")
    return Price(listed, "USD", f"{region}: {SOURCE}") if listed is not None else None


def over_cost_budget(shares: Mapping[str, Capacity | None], budget: Decimal, price: Price, key: str) -> str | None:
    """Why the clusters can cost more per hour than ``budget`` at their maximum, naming each one's share; or None."""
    known = {name: price.hourly(share)[1] for name, share in shares.items() if share is not None}
    total = sum(known.values(), Decimal(0))
    if total <= budget:
        return None
    parts = ", ".join(f"{name} {format_money(cost, price.currency)}" for name, cost in sorted(known.items()))
    text = (
        f"the clusters can cost {format_money(total, price.currency)}/h at their autoscaling maximum "
        f"({parts}; at {price.per_cu_hour} {price.currency} per CU-hour, {price.source}), more than {key} "
        f"{format_money(budget, price.currency)}."
    )
    unknown = sorted(name for name, share in shares.items() if share is None)
    if unknown:
        text += f" Not counted (sizes not declared): {', '.join(unknown)}."
    return text + " Lower replica, minReplica or maxReplica, or raise the budget."


def format_money(amount: Decimal | None, currency: str) -> str:
    """'$1.31' for USD, '12.40 CNY' otherwise; cents, rounded half up; '?' when unknown."""
    if amount is None:
        return "?"
    return f"${_amount(amount)}" if currency == "USD" else f"{_amount(amount)} {currency}"


def cost_line(before: Capacity | None, after: Capacity | None, price: Price | None) -> str:
    """'cost $0.91 -> $1.31/h, $664.30 -> $956.30/month (list price cn-hangzhou)'; '' without a price."""
    if price is None or after is None:
        return ""
    new_hour = price.hourly(after)[0]
    money = _pair(price.hourly(before)[0] if before is not None else None, new_hour, price.currency)
    month = _pair(
        price.hourly(before)[0] * HOURS_PER_MONTH if before is not None else None,
        new_hour * HOURS_PER_MONTH,
        price.currency,
    )
    return f"cost {money}/h, {month}/month"


def _pair(before: Decimal | None, after: Decimal, currency: str) -> str:
    """'$0.20 -> $0.40', '0.60 -> 0.80 EUR' (the code said once), or one amount when it does not change."""
    if before is None or before == after:
        return format_money(after, currency)
    if currency == "USD":
        return f"{format_money(before, currency)} -> {format_money(after, currency)}"
    return f"{_amount(before)} -> {_amount(after)} {currency}"


def _amount(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


__all__ = [
    "CURRENCY_KEY",
    "HOURS_PER_MONTH",
    "LIST_PRICES_USD",
    "PRICE_KEY",
    "SOURCE",
    "Price",
    "PriceError",
    "cost_line",
    "format_money",
    "over_cost_budget",
    "price_for",
]
