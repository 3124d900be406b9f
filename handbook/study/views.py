"""Member pages of study: the monthly topic, my points and my branch's leaderboard (the quizzes'
pages are in ``quiz_views``, on the same blueprint)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("study", __name__, url_prefix="/study")
