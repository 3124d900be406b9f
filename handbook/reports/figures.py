"""The statistics' own figures: the members who used the handbook, and the flag on silent organizations."""
from __future__ import annotations

from handbook.registry import Figure, Flag

GROUP = "Sử dụng sổ tay"
FIGURES = [
    Figure("active_members", "Đảng viên sử dụng sổ tay trong tháng", GROUP, headline=True),
    Figure("usage_rate", "Tỷ lệ sử dụng", GROUP, ratio=("active_members", "members"), percent=True, headline=True,
           chart=True),
]
# "Silent": fewer than half the members used the handbook in the month.
SILENT_BELOW = 0.5
SILENT = Flag("silent", "Dưới 50% đảng viên sử dụng sổ tay",
              lambda values: values.get("usage_rate") is not None and values["usage_rate"] < SILENT_BELOW)
