"""Study and the points ledger (điểm tích lũy): topics and quizzes will join the ledger here."""
