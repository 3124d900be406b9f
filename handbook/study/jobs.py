"""Study's periodic jobs: closing the quiz attempts left open past their deadline."""
from datetime import datetime

from handbook.jobs import job
from handbook.study.quizzes import close_expired


# Every 5 minutes and without a period: each attempt is closed by its own conditional update, so two
# schedulers never score one twice.
@job("close-attempts", "Đóng bài thi quá giờ", cron={"minute": "*/5"}, period=None,
     about="Chấm và đóng các bài thi trắc nghiệm đã quá giờ mà người làm chưa nộp (bỏ dở, mất mạng), "
           "theo các câu đã lưu, và cộng điểm tích lũy cho bài làm đó.")
def close_expired_attempts(session, now: datetime) -> dict:
    """Score and close, on their saved answers, the quiz attempts whose deadline has passed unsubmitted."""
    return {"closed": close_expired(session, now)}


JOBS: tuple = (close_expired_attempts,)  # functions declared with handbook.jobs.job
