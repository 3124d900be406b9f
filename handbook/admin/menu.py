"""The back office's menu groups: every domain files its screens under one of these, so the menu
stays one row at 1280 px however many domains move in."""

MEMBERS = "Tổ chức & đảng viên"
CONTENT = "Tin tức & tài liệu"
STUDY = "Học tập"
RATINGS = "Xếp loại"
REPORTS = "Báo cáo"
SYSTEM = "Hệ thống"

# The order the groups take in the menu, whichever domain registers first.
GROUPS = (MEMBERS, CONTENT, STUDY, RATINGS, REPORTS, SYSTEM)
