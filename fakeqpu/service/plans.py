"""Plans and their limits (see docs/fidelity.md for the source of each number)."""

from __future__ import annotations

from dataclasses import dataclass, replace

HOUR = 3600
DEFAULT_ALLOCATION = 10 * HOUR  # CHOSEN: a Premium/Flex instance's allocation unless configured
ALLOCATION_PLANS = ("premium", "flex")  # IBM: the allocation "does not apply to Pay-As-You-Go"


@dataclass(frozen=True)
class Plan:
    name: str
    display_name: str
    pricing_type: str  # Global Catalog vocabulary: free, trial, paygo, paid, subscription
    sessions_allowed: bool
    interactive_ttl: int  # dedicated sessions, seconds
    max_ttl: int  # dedicated sessions: default and system maximum, seconds
    batch_interactive_ttl: int
    batch_max_ttl: int
    max_execution_time: int  # per job, seconds of QPU time
    usage_limit_seconds: int | None  # per rolling 28 days; None: no limit
    idle_timeout: int = 30 * 60  # a session with no job for this long closes
    usage_allocation_seconds: int | None = None  # Premium/Flex: time allotted to the instance (fair share)


PLANS: dict[str, Plan] = {
    "premium": Plan(
        "premium",
        "Premium",
        "subscription",
        True,
        60,
        8 * HOUR,
        1,
        8 * HOUR,
        3 * HOUR,
        None,
        usage_allocation_seconds=DEFAULT_ALLOCATION,
    ),
    "flex": Plan(
        "flex",
        "Flex",
        "paid",
        True,
        60,
        8 * HOUR,
        1,
        8 * HOUR,
        3 * HOUR,
        None,
        usage_allocation_seconds=DEFAULT_ALLOCATION,
    ),
    "paygo": Plan("paygo", "Pay-As-You-Go", "paygo", True, 60, 8 * HOUR, 1, 8 * HOUR, 3 * HOUR, None),
    "open": Plan("open", "Open", "free", False, 60, 8 * HOUR, 1, 10 * 60, 10 * 60, 10 * 60),
}


def get_plan(
    name: str,
    *,
    interactive_ttl: int | None = None,
    max_ttl: int | None = None,
    usage_allocation_seconds: int | None = None,
) -> Plan:
    """The named plan, with the per-instance overrides the seed allows ("might be configured")."""
    if name not in PLANS:
        raise ValueError(f"unknown plan {name!r}; choose one of {', '.join(PLANS)}")
    plan = PLANS[name]
    if interactive_ttl is not None:
        plan = replace(plan, interactive_ttl=int(interactive_ttl))
    if max_ttl is not None:
        plan = replace(plan, max_ttl=int(max_ttl), batch_max_ttl=int(max_ttl))
    if usage_allocation_seconds is not None:
        if name not in ALLOCATION_PLANS:
            raise ValueError(f"an allocation applies to the Premium and Flex plans only, not {name!r}")
        plan = replace(plan, usage_allocation_seconds=int(usage_allocation_seconds) or None)
    return plan
