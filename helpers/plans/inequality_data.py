"""Notebook 01's sizes (the inequality data) and their cost: no GPU, a minute or two of CPU.

    PLAN = choose(SIZES, SIZE, profile)
    PLAN.budget()   # 0 T4 minutes: every cell runs on the CPU, and nothing is downloaded

Nothing in notebook 01 trains or generates; its one sized step checks answers three ways
(closed form, brute force, sympy), and sympy is what takes the time.

- ``full``: 600 problems of each settings (HARD, FAITHFUL) checked three ways.
- ``class``: the same: the whole notebook fits a lab on any CPU runtime.
- ``check``: 120 of each, every cell.

>>> total = SIZES["full"].budget().loc["total"]
>>> float(total["T4 minutes (estimate)"]), float(total["CPU minutes (estimate)"])
(0.0, 1.3)
"""

from __future__ import annotations

from dataclasses import dataclass

from helpers.plans.t4 import budget_table

# CPU seconds to check one problem three ways, sympy's solveset most of it: 0.034 s measured on
# a 2-core cloud CPU (1,200 problems); Colab's free CPU runtime assumed no faster
SECONDS_PER_CHECK = 0.04
# Every other cell, the same at every size (splits written and compared, twins found, the
# ~210,000 equally likely draws counted by form, the exercises): the whole notebook took 23 s in
# a kernel at the check size on the same CPU, about 8 s of them section 3; rounded up
OTHER_MINUTES = 0.5


@dataclass(frozen=True)
class InequalityDataPlan:
    size: str
    checked: int  # problems of each settings, HARD and FAITHFUL, checked three ways (section 3)

    def budget(self):
        """The budget table: no GPU minutes, with the CPU minutes (estimates) beside them."""
        cpu = {
            f"every answer three ways: 2 x {self.checked} problems (section 3)": (
                2 * self.checked * SECONDS_PER_CHECK / 60
            ),
            "every other cell (sections 1-2, 4-9, exercises)": OTHER_MINUTES,
        }
        table = budget_table({name: (0.0, "none: the CPU") for name in cpu})
        minutes = [*cpu.values(), sum(cpu.values())]
        table["CPU minutes (estimate)"] = [round(m, 1) for m in minutes]
        return table


SIZES = {
    "full": InequalityDataPlan("full", checked=600),  # thousands more in the unit tests
    "class": InequalityDataPlan("class", checked=600),  # nothing to save: no GPU, ~1 minute
    "check": InequalityDataPlan("check", checked=120),  # every cell, in seconds
}
