"""Helpers for the study tests: topics, a question bank and quizzes made directly as rows."""
import itertools
from datetime import date, timedelta

from handbook.clock import utcnow
from handbook.extensions import db
from handbook.study.models import Quiz, QuizCategory, QuizQuestion, StudyTopic

_n = itertools.count(1)


def _detached(app, obj):
    """Save ``obj`` and hand it back detached with its columns loaded."""
    with app.app_context():
        db.session.add(obj)
        db.session.commit()
        db.session.refresh(obj)
        db.session.expunge(obj)
    return obj


def make_topic(app, org, title=None, month=None, **fields):
    """A published monthly topic of ``org`` (this month unless ``month`` says otherwise)."""
    today = date.today()
    values = dict(body_html="<p>Nội dung chuyên đề</p>", status="published",
                  published_at=utcnow() - timedelta(minutes=1), points=3, month=month or today.replace(day=1))
    values.update(fields)
    return _detached(app, StudyTopic(title=title or f"Chuyên đề thử {next(_n)}", organization_id=org.id, **values))


def make_category(app, org, name=None):
    """A category of ``org``'s question bank."""
    return _detached(app, QuizCategory(name=name or f"Lĩnh vực {next(_n)}", organization_id=org.id))


def make_questions(app, category, count=5, kind="single", options=4):
    """``count`` questions in ``category``; option 0 is the correct one (and option 1 too for "multiple")."""
    made = []
    with app.app_context():
        for _ in range(count):
            n = next(_n)
            opts = [{"text": f"Phương án {chr(65 + i)} của câu {n}", "correct": i == 0 or (kind == "multiple" and i == 1)}
                    for i in range(options)]
            question = QuizQuestion(category_id=category.id, text=f"Câu hỏi thử số {n}?", kind=kind, options=opts,
                                    explanation=f"Giải thích câu {n}.")
            db.session.add(question)
            made.append(question)
        db.session.commit()
        for question in made:
            db.session.refresh(question)
            db.session.expunge(question)
    return made


def make_quiz(app, org, categories, title=None, **fields):
    """A published quiz of ``org`` open now for a week, drawing from ``categories``."""
    now = utcnow()
    values = dict(status="published", opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=7),
                  question_count=3, time_limit_minutes=10, attempts_allowed=2, counting="best", pass_mark=50,
                  points=10, show_review=True)
    values.update(fields)
    with app.app_context():
        quiz = Quiz(title=title or f"Bài thi thử {next(_n)}", organization_id=org.id, **values)
        quiz.categories = [db.session.get(QuizCategory, c.id) for c in categories]
        db.session.add(quiz)
        db.session.commit()
        db.session.refresh(quiz)
        quiz_id = quiz.id
    with app.app_context():
        quiz = db.session.get(Quiz, quiz_id)
        _ = list(quiz.categories)
        db.session.expunge_all()
    return quiz
