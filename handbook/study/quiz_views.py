"""Member pages of quizzes: the study home, a quiz, taking an attempt and its result."""
from handbook.study.views import bp  # noqa: F401  (the routes join the study blueprint)
