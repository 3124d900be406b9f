"""The question bank's rules: a question's options, the monthly topic's and a quiz's checks, and the
import of questions from a spreadsheet (reading it without trusting it, checking every row, writing
all rows or none).

The import reads an .xlsx or a UTF-8 .csv, judged by its content, not its name: an xlsx is a zip
whose declared sizes are checked before anything is unpacked (a zip bomb is refused), openpyxl parses
it through defusedxml in ``read_only`` mode with ``data_only=False``, so a formula is the text it is
and is never computed.
"""
from __future__ import annotations

import codecs
import csv
import io
import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import and_, func, inspect, or_, select

from handbook.clock import utcnow
from handbook.organizations.models import Organization
from handbook.roster.reader import FileRefused, check_zip, sniff
from handbook.scope import Scope, scope_clause, scoped
from handbook.spreadsheets import neutralize_cell
from handbook.study.models import (MAX_OPTIONS, Quiz, QuizAnswer, QuizAttempt, QuizCategory,
                                   QuizQuestion, StudyTopic, TopicRead, quiz_category_link)
from handbook.text import CONTROL_MESSAGE, has_control_characters, nfc, search_key

log = logging.getLogger(__name__)

QUESTION_TEXT_MAX = 2_000
OPTION_TEXT_MAX = 500
EXPLANATION_MAX = 2_000
CATEGORY_NAME_MAX = 200
MIN_OPTIONS = 2
TOPIC_POINTS = (0, 5)
LETTERS = "ABCDEFGH"[:MAX_OPTIONS]


class BankError(ValueError):
    """A question, topic or quiz that cannot be saved as it is; the message is for the person who wrote it."""


def _thousands(number: int) -> str:
    """A count as Vietnamese write it: 2.000."""
    return f"{number:,}".replace(",", ".")


def text_key(text: str | None) -> str:
    """How two texts are compared for duplicates: NFC, spaces collapsed, case folded."""
    return " ".join((nfc(text) or "").split()).casefold()


# -- a question's options ------------------------------------------------------------------------
def options_text(options: list | None) -> str:
    """The options as the form's textarea shows them: one a line, a correct one marked with ``*``."""
    return "\n".join(("*" if option.get("correct") else "") + str(option.get("text", "")) for option in options or ())


def parse_options(text: str | None) -> list[dict]:
    """The options typed one a line (``*`` first marks a correct one) as the stored JSON list; blank lines
    are skipped, the mark and outer spaces are not part of the option's text."""
    options = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        correct = line.startswith("*")
        options.append({"text": nfc(line.lstrip("*")) if correct else nfc(line), "correct": correct})
    return options


def option_errors(options: list[dict], kind: str | None) -> list[str]:
    """What is wrong with a question's options, in Vietnamese (empty when nothing is)."""
    errors = []
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        errors.append(f"Câu hỏi cần từ {MIN_OPTIONS} đến {MAX_OPTIONS} phương án (đang có {len(options)}).")
    if any(not option["text"] for option in options):
        errors.append("Có phương án để trống (dòng chỉ có dấu *).")
    long = [i + 1 for i, option in enumerate(options) if len(option["text"]) > OPTION_TEXT_MAX]
    if long:
        errors.append(f"Mỗi phương án tối đa {OPTION_TEXT_MAX} ký tự (phương án thứ {', '.join(map(str, long))} quá dài).")
    seen: dict[str, int] = {}
    for i, option in enumerate(options, start=1):
        key = text_key(option["text"])
        if key and key in seen:
            errors.append(f"Phương án thứ {i} trùng với phương án thứ {seen[key]}: “{option['text']}”.")
        seen.setdefault(key, i)
    correct = sum(1 for option in options if option["correct"])
    if options and correct == 0:
        errors.append("Hãy đánh dấu ít nhất một phương án đúng bằng dấu * ở đầu dòng.")
    elif kind == "single" and correct > 1:
        errors.append(f"Câu hỏi một đáp án đúng chỉ được có một phương án đúng (đang đánh dấu {correct}); "
                      "hoặc chọn loại “Nhiều đáp án đúng”.")
    return errors


# -- the monthly topic ---------------------------------------------------------------------------
def prepare_topic(session, topic: StudyTopic, author, created: bool) -> None:
    """Apply the publishing rules to a topic about to be saved by ``author``: a new topic records its
    author and is published by the author's own organization unless another was chosen; its month is
    the first day of the month; publishing without a time publishes now; its points are 0–5."""
    if created:
        topic.created_by_id = author.id
        if topic.organization is None and author.organization_id:
            topic.organization = session.get(Organization, author.organization_id)
    if topic.month is not None:
        topic.month = topic.month.replace(day=1)
    if topic.status == "published" and topic.published_at is None:
        topic.published_at = utcnow()
    low, high = TOPIC_POINTS
    if topic.points is None or not low <= topic.points <= high:
        raise BankError(f"Điểm tích lũy khi học chuyên đề phải từ {low} đến {high}.")


def topic_studied(session, topic_id: int) -> bool:
    """Has any member studied this topic (so deleting it would lose who did)?"""
    return session.execute(select(TopicRead.id).where(TopicRead.topic_id == topic_id).limit(1)).first() is not None


# -- categories, questions and quizzes -------------------------------------------------------------
def category_in_use(session, category_id: int) -> str | None:
    """Why a category cannot be deleted (it has questions, or a quiz draws from it), or None."""
    if session.execute(select(QuizQuestion.id).where(QuizQuestion.category_id == category_id).limit(1)).first():
        return "Lĩnh vực còn câu hỏi: không xóa được. Hãy chuyển hoặc xóa các câu hỏi trước."
    if session.execute(select(quiz_category_link.c.quiz_id).where(quiz_category_link.c.category_id == category_id)
                       .limit(1)).first():
        return "Lĩnh vực đang được bài thi sử dụng: không xóa được. Hãy bỏ lĩnh vực khỏi các bài thi trước."
    return None


def category_name_taken(session, category: QuizCategory) -> bool:
    """Does the category's organization already have another category of that name (case aside)?"""
    if category.organization_id is None or not category.name:
        return False
    names = session.execute(select(QuizCategory.id, QuizCategory.name).where(
        QuizCategory.organization_id == category.organization_id, QuizCategory.id != (category.id or 0))).all()
    return any(text_key(name) == text_key(category.name) for _id, name in names)


def question_in_use(session, question_id: int, category_id: int | None) -> bool:
    """Has an attempt used this question: answered and scored, or drawn by a quiz of its category that
    someone has started (the attempt's questions are only in its layout until it is scored)?"""
    if session.execute(select(QuizAnswer.attempt_id).where(QuizAnswer.question_id == question_id).limit(1)).first():
        return True
    if category_id is None:
        return False
    started = (select(QuizAttempt.id)
               .join(quiz_category_link, quiz_category_link.c.quiz_id == QuizAttempt.quiz_id)
               .where(quiz_category_link.c.category_id == category_id, QuizAttempt.status == "open").limit(1))
    return session.execute(started).first() is not None


def active_question_count(session, category_ids) -> int:
    """How many active questions the categories hold together."""
    ids = list(category_ids)
    if not ids:
        return 0
    return session.execute(select(func.count()).select_from(QuizQuestion).where(
        QuizQuestion.category_id.in_(ids), QuizQuestion.active.is_(True))).scalar_one()


def attempt_counts(session, quiz_ids) -> dict[int, int]:
    """The number of attempts of each quiz, in one grouped query."""
    ids = list(quiz_ids)
    if not ids:
        return {}
    rows = session.execute(select(QuizAttempt.quiz_id, func.count()).where(QuizAttempt.quiz_id.in_(ids))
                           .group_by(QuizAttempt.quiz_id)).all()
    return {quiz_id: count for quiz_id, count in rows}


def quiz_has_attempts(session, quiz_id: int | None) -> bool:
    """Has anyone started this quiz?"""
    if quiz_id is None:
        return False
    return session.execute(select(QuizAttempt.id).where(QuizAttempt.quiz_id == quiz_id).limit(1)).first() is not None


def _locked_changes(quiz: Quiz) -> list[str]:
    """What an edit changed among the things an attempt was drawn from: the question count, the categories."""
    state = inspect(quiz)
    changed = []
    count = state.attrs.question_count.history
    if count.deleted and count.added and count.deleted[0] != count.added[0]:
        changed.append("số câu hỏi")
    categories = state.attrs.categories.history
    before = {c.id for c in (*categories.unchanged, *categories.deleted)}
    if categories.has_changes() and before != {c.id for c in quiz.categories}:
        changed.append("lĩnh vực")
    return changed


def check_quiz(session, quiz: Quiz, created: bool) -> None:
    """Refuse a quiz that cannot be taken as set: a window that closes before it opens, no category, too
    few active questions for its count; and, once someone has started it, a change of its question
    count or categories (the attempts were drawn from them)."""
    if quiz.opens_at and quiz.closes_at and quiz.closes_at <= quiz.opens_at:
        raise BankError("Thời điểm đóng phải sau thời điểm mở.")
    if not quiz.categories:
        raise BankError("Hãy chọn ít nhất một lĩnh vực câu hỏi.")
    if not created and quiz_has_attempts(session, quiz.id):
        changed = _locked_changes(quiz)
        if changed:
            raise BankError(f"Bài thi đã có người làm nên không đổi được {' và '.join(changed)}. "
                            "Hãy tạo bài thi mới nếu cần thay đổi.")
    available = active_question_count(session, [c.id for c in quiz.categories])
    if available < (quiz.question_count or 0):
        raise BankError(f"Các lĩnh vực đã chọn chỉ có {_thousands(available)} câu hỏi đang dùng, ít hơn số câu "
                        f"mỗi lượt làm ({quiz.question_count}). Hãy giảm số câu hoặc chọn thêm lĩnh vực.")


# -- the import: the file's columns ------------------------------------------------------------------
@dataclass(frozen=True)
class ImportColumn:
    """A column of the question file: the field it fills, its header, an example and a note."""

    field: str
    label: str
    example: object = None
    width: int = 18
    required: bool = False


IMPORT_COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn("text", "Câu hỏi", "Đảng Cộng sản Việt Nam được thành lập vào năm nào?", 48, True),
    *(ImportColumn(f"option:{i}", f"Phương án {letter}", example, 22, i < MIN_OPTIONS)
      for i, (letter, example) in enumerate(zip(LETTERS, ("1925", "1930", "1945", "1954", None, None, None, None)))),
    ImportColumn("correct", "Đáp án đúng", "B", 12, True),
    ImportColumn("category", "Lĩnh vực", "Lịch sử Đảng", 20, True),
    ImportColumn("kind", "Loại", "Một đáp án", 14),
    ImportColumn("explanation", "Giải thích", "Ngày 03/02/1930, tại Hương Cảng (Trung Quốc).", 36),
)
COLUMN_LABELS = {column.field: column.label for column in IMPORT_COLUMNS}
KIND_WORDS = {"mot dap an": "single", "mot dap an dung": "single", "single": "single",
              "nhieu dap an": "multiple", "nhieu dap an dung": "multiple", "multiple": "multiple"}
# A question bank is hundreds of questions; thousands in one file is surely a wrong file.
MAX_IMPORT_ROWS = 2_000
HEADER_SEARCH_ROWS = 10
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_RATIO = 200
FILE_NOT_READABLE = "Không đọc được tệp Excel: tệp bị hỏng hoặc có nội dung không an toàn."
NOT_A_SHEET = "Tệp không phải bảng tính .xlsx hoặc tệp .csv UTF-8 (hệ thống xét nội dung tệp, không xét tên tệp)."


def _header_key(text) -> str:
    """A header as it is compared: accent-free, lower case, punctuation gone ("PHƯƠNG ÁN A:" → "phuong an a")."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", search_key(str(text or ""))).split())


_HEADERS = {_header_key(column.label): column.field for column in IMPORT_COLUMNS}
_HEADERS.update({"noi dung cau hoi": "text", "dap an": "correct", "linh vuc cau hoi": "category",
                 "loai cau hoi": "kind"})


def template_workbook() -> bytes:
    """The import's template: the Vietnamese headers, a note on each, one example row."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Câu hỏi"
    sheet.append([column.label for column in IMPORT_COLUMNS])
    sheet.append([neutralize_cell(column.example) for column in IMPORT_COLUMNS])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
    for index, column in enumerate(IMPORT_COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = bold
        if column.required:
            cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("Hướng dẫn")
    for line in (
        "Mỗi dòng là một câu hỏi. Các cột tô màu là bắt buộc.",
        f"Phương án A … {LETTERS[-1]}: ít nhất {MIN_OPTIONS} phương án, mỗi phương án tối đa {OPTION_TEXT_MAX} ký tự.",
        "Đáp án đúng: chữ cái của phương án đúng, ví dụ “B”; nhiều đáp án thì cách nhau bằng dấu phẩy: “A, C”.",
        "Lĩnh vực: tên lĩnh vực đã có trong ngân hàng câu hỏi của tổ chức bạn; tên mới sẽ được tạo khi nhập.",
        "Loại: “Một đáp án” hoặc “Nhiều đáp án”; để trống thì tính theo số đáp án đúng.",
        f"Câu hỏi tối đa {_thousands(QUESTION_TEXT_MAX)} ký tự; không trùng câu đã có trong cùng lĩnh vực.",
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 110
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- the import: reading ------------------------------------------------------------------------
@dataclass
class SheetRow:
    """One non-empty row of the file: its number in the spreadsheet and its cells as text by field."""

    number: int
    cells: dict[str, str]


@dataclass
class QuestionSheet:
    """The file as read: which column letter holds each field, and its rows."""

    letters: dict[str, str]
    rows: list[SheetRow]
    ignored: list[str] = field(default_factory=list)


def _cell_text(value) -> str:
    """A cell as text: a number as typed (3, not 3.0), a date dd/mm/yyyy, a formula as its own text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M") if (value.hour, value.minute) != (0, 0) else value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return nfc(str(value)) or ""


def _xlsx_rows(path: str):
    """The first sheet's rows as (number, values), formulas as text."""
    from openpyxl import load_workbook

    check_zip(path, MAX_UNPACKED_BYTES, MAX_RATIO)
    # A file object, not the path: openpyxl would judge a path by its extension, not its content.
    with open(path, "rb") as handle:
        try:
            book = load_workbook(handle, read_only=True, data_only=False)
            try:
                sheet = book.worksheets[0]
                rows = []
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                    rows.append((number, values))
                    if len(rows) > MAX_IMPORT_ROWS + HEADER_SEARCH_ROWS + 1000:
                        break  # empty rows aside, surely too many: _sheet says so
            finally:
                book.close()
        except FileRefused:
            raise
        except Exception as exc:  # a broken or hostile workbook: every parser error means "cannot read it"
            log.info("refused question workbook: %r", exc)
            raise FileRefused(FILE_NOT_READABLE) from None
    return rows


def _csv_rows(path: str):
    """The rows of a UTF-8 csv (comma, semicolon or tab) as (number, values)."""
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        text = codecs.decode(data, "utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused(NOT_A_SHEET + " Tệp CSV phải lưu với bảng mã UTF-8 (trong Excel: Lưu thành › CSV UTF-8).") from None
    first = text.splitlines()[:HEADER_SEARCH_ROWS]
    delimiter = max(",;\t", key=lambda d: sum(line.count(d) for line in first))
    try:
        return list(enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1))
    except csv.Error:
        raise FileRefused("Tệp CSV bị hỏng (dòng quá dài hoặc dấu ngoặc kép không đóng).") from None


def read_question_file(path: str) -> QuestionSheet:
    """Read a question file (.xlsx or UTF-8 .csv, judged by its content); ``FileRefused`` says why it cannot be."""
    with open(path, "rb") as handle:
        head = handle.read(8192)
    if not head.strip():
        raise FileRefused("Tệp rỗng.")
    if head.startswith(b"%PDF"):
        raise FileRefused("Tệp là PDF, không phải bảng tính. " + NOT_A_SHEET)
    try:
        kind = sniff(head)
    except FileRefused as exc:
        raise FileRefused(str(exc) if "xls" in str(exc) else NOT_A_SHEET) from None
    return _sheet(_xlsx_rows(path) if kind == "xlsx" else _csv_rows(path))


def _sheet(numbered) -> QuestionSheet:
    """Find the header row among the first rows, then read the rows after it by field."""
    for position, (number, values) in enumerate(numbered):
        if number > HEADER_SEARCH_ROWS:
            break
        fields = {index: _HEADERS.get(_header_key(value)) for index, value in enumerate(values) if value not in (None, "")}
        if "text" not in fields.values() or "correct" not in fields.values():
            continue
        columns, letters, ignored = {}, {}, []
        for index, name in fields.items():
            if name is None:
                if _header_key(values[index]):
                    ignored.append(str(values[index]).strip())
            elif name in letters:
                raise FileRefused(f"Cột “{COLUMN_LABELS[name]}” có hai lần trong dòng tiêu đề (cột {letters[name]} và cột "
                                  f"{get_column_letter(index + 1)}). Hãy giữ lại một cột.")
            else:
                columns[index], letters[name] = name, get_column_letter(index + 1)
        missing = [c.label for c in IMPORT_COLUMNS if c.required and c.field not in letters]
        if missing:
            raise FileRefused(f"Tệp thiếu cột: {', '.join(missing)}. Hãy dùng tệp mẫu.")
        rows = []
        for number, values in numbered[position + 1:]:
            cells = {name: _cell_text(values[index]) for index, name in columns.items() if index < len(values)}
            if not any(cells.values()):
                continue
            if len(rows) >= MAX_IMPORT_ROWS:
                raise FileRefused(f"Tệp có hơn {_thousands(MAX_IMPORT_ROWS)} câu hỏi; hãy chia thành nhiều tệp.")
            rows.append(SheetRow(number, cells))
        return QuestionSheet(letters, rows, ignored)
    required = ", ".join(c.label for c in IMPORT_COLUMNS if c.required)
    raise FileRefused(f"Không tìm thấy dòng tiêu đề trong {HEADER_SEARCH_ROWS} dòng đầu. Tệp cần có các cột: {required}. "
                      "Hãy dùng tệp mẫu.")


# -- the import: checking -------------------------------------------------------------------------
@dataclass
class ImportedQuestion:
    """A row that passed: the question to write, and its category (an id, or the name of one to create)."""

    number: int
    text: str
    kind: str
    options: list[dict]
    explanation: str | None
    category_id: int | None
    category_name: str


@dataclass
class ImportCheck:
    """The dry run's answer: the questions to write, the errors (row, column, message), the new categories."""

    questions: list[ImportedQuestion] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    new_categories: list[str] = field(default_factory=list)
    rows: int = 0
    ignored: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Can the file be imported as it is?"""
        return bool(self.questions) and not self.errors


_LETTER_SPLIT = re.compile(r"[\s,;/.+&-]+")


def _correct_letters(text: str) -> list[str] | None:
    """The letters of "A", "A, C", "a;c" or "AC", in order, each once; None when something else is written."""
    letters = []
    for part in _LETTER_SPLIT.split(text.strip().upper()):
        if not part:
            continue
        if not all(ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for ch in part) or (len(part) > 1 and not all(ch in LETTERS for ch in part)):
            return None
        letters.extend(ch for ch in part if ch not in letters)
    return letters


class _Categories:
    """The categories a file's names resolve to, for one user: theirs (managed scope, own organization
    first), those above them they may only read, or a new one in their own organization."""

    def __init__(self, session, scope: Scope, own_org_id: int | None):
        """Read the names of the categories the user manages and of those above them, once for the file."""
        self.own_org_id = own_org_id
        managed = scoped(select(QuizCategory.id, QuizCategory.name, QuizCategory.organization_id), QuizCategory, scope)
        self.managed: dict[str, list] = {}
        for row in session.execute(managed):
            self.managed.setdefault(text_key(row.name), []).append(row)
        reading = scoped(select(QuizCategory.name, Organization.name.label("org_name"))
                         .join(Organization, Organization.id == QuizCategory.organization_id),
                         QuizCategory, scope.for_reading())
        self.above = {text_key(row.name): row.org_name for row in session.execute(reading)}
        self.org_names = dict(session.execute(select(Organization.id, Organization.name).where(
            Organization.id.in_({r.organization_id for rows in self.managed.values() for r in rows}))).all())

    def resolve(self, name: str) -> tuple[int | None, str | None]:
        """(category id or None for a new one, error or None) for a name written in the file."""
        key = text_key(name)
        found = self.managed.get(key, [])
        own = [row for row in found if row.organization_id == self.own_org_id]
        if own or len(found) == 1:
            return (own or found)[0].id, None
        if found:
            where = ", ".join(sorted(self.org_names.get(row.organization_id, "?") for row in found))
            return None, (f"Có {len(found)} lĩnh vực tên “{name}” trong phạm vi của bạn ({where}): không biết chọn lĩnh vực nào. "
                          "Hãy đổi tên để các lĩnh vực khác nhau.")
        if key in self.above:
            return None, (f"Lĩnh vực “{name}” là của {self.above[key]} (cấp trên), ngoài phạm vi bạn quản lý: "
                          "không thêm câu hỏi vào đó được. Hãy dùng tên lĩnh vực khác.")
        if self.own_org_id is None:
            return None, f"Tài khoản của bạn chưa gắn với tổ chức nên không tạo được lĩnh vực mới “{name}”."
        return None, None


def check_sheet(session, sheet: QuestionSheet, scope: Scope, own_org_id: int | None) -> ImportCheck:
    """Check every row of ``sheet`` for ``scope`` (its user's organization: ``own_org_id``) and say, row by
    row and column by column, what is wrong; nothing is written."""
    result = ImportCheck(rows=len(sheet.rows), ignored=sheet.ignored)
    categories = _Categories(session, scope, own_org_id)
    letters = sheet.letters

    def column(name: str) -> str:
        """A column as the file's reader finds it: its header and its letter."""
        return f"{COLUMN_LABELS[name]} (cột {letters[name]})" if name in letters else COLUMN_LABELS[name]

    planned: list[tuple[SheetRow, ImportedQuestion]] = []
    for row in sheet.rows:
        cells, errors = row.cells, []

        def error(name: str, message: str) -> None:
            """Note an error of this row in the column of ``name``."""
            errors.append((row.number, column(name), message))

        for name, value in cells.items():
            if has_control_characters(value):
                error(name, CONTROL_MESSAGE)
        text = cells.get("text", "")
        if not text:
            error("text", "Thiếu nội dung câu hỏi.")
        elif len(text) > QUESTION_TEXT_MAX:
            error("text", f"Câu hỏi dài {_thousands(len(text))} ký tự; tối đa {_thousands(QUESTION_TEXT_MAX)}.")
        options, positions = [], {}
        for i, letter in enumerate(LETTERS):
            value = cells.get(f"option:{i}", "")
            if not value:
                continue
            if len(value) > OPTION_TEXT_MAX:
                error(f"option:{i}", f"Phương án dài {_thousands(len(value))} ký tự; tối đa {OPTION_TEXT_MAX}.")
            key = text_key(value)
            twin = next((LETTERS[j] for j, other in positions.items() if text_key(other["text"]) == key), None)
            if twin:
                error(f"option:{i}", f"Phương án {letter} trùng với phương án {twin}.")
            positions[i] = {"text": value, "correct": False}
            options.append(letter)
        if len(positions) < MIN_OPTIONS:
            error("option:1" if positions else "option:0",
                  f"Cần ít nhất {MIN_OPTIONS} phương án (đang có {len(positions)}).")
        raw_correct = cells.get("correct", "")
        chosen = _correct_letters(raw_correct) if raw_correct else []
        if not raw_correct:
            error("correct", "Thiếu đáp án đúng: ghi chữ cái của phương án đúng, ví dụ “B” hoặc “A, C”.")
        elif chosen is None or not chosen:
            error("correct", f"Đáp án đúng “{raw_correct}” không hợp lệ: ghi các chữ cái {LETTERS[0]}–{LETTERS[-1]}, "
                             "cách nhau bằng dấu phẩy, ví dụ “A, C”.")
            chosen = []
        else:
            for letter in chosen:
                index = LETTERS.find(letter)
                if index < 0:
                    error("correct", f"Đáp án đúng “{letter}”: chỉ có phương án {LETTERS[0]} đến {LETTERS[-1]}.")
                elif index not in positions:
                    error("correct", f"Đáp án đúng “{letter}” chỉ vào phương án {letter} đang để trống.")
                else:
                    positions[index]["correct"] = True
        raw_kind = cells.get("kind", "")
        kind = KIND_WORDS.get(_header_key(raw_kind)) if raw_kind else ("multiple" if len(chosen) > 1 else "single")
        if kind is None:
            error("kind", f"Loại “{raw_kind}” không hợp lệ: ghi “Một đáp án” hoặc “Nhiều đáp án”, hoặc để trống.")
        elif kind == "single" and len(chosen) > 1:
            error("correct", f"Câu hỏi một đáp án nhưng có {len(chosen)} đáp án đúng ({', '.join(chosen)}).")
        explanation = cells.get("explanation", "")
        if len(explanation) > EXPLANATION_MAX:
            error("explanation", f"Giải thích dài {_thousands(len(explanation))} ký tự; tối đa {_thousands(EXPLANATION_MAX)}.")
        category_name = " ".join(cells.get("category", "").split())
        category_id = None
        if not category_name:
            error("category", "Thiếu lĩnh vực.")
        elif len(category_name) > CATEGORY_NAME_MAX:
            error("category", f"Tên lĩnh vực tối đa {CATEGORY_NAME_MAX} ký tự.")
        else:
            category_id, problem = categories.resolve(category_name)
            if problem:
                error("category", problem)
        if errors:
            result.errors.extend(errors)
            continue
        planned.append((row, ImportedQuestion(row.number, text, kind, [positions[i] for i in sorted(positions)],
                                              explanation or None, category_id, category_name)))
    _check_duplicates(session, planned, result, column("text"))
    names = {}
    for question in result.questions:
        if question.category_id is None:
            names.setdefault(text_key(question.category_name), question.category_name)
    result.new_categories = list(names.values())
    return result


def _check_duplicates(session, planned, result: ImportCheck, column: str) -> None:
    """Keep the rows whose question is neither in its category already nor earlier in the file."""
    ids = {question.category_id for _row, question in planned if question.category_id is not None}
    existing = set()
    if ids:
        for category_id, text in session.execute(select(QuizQuestion.category_id, QuizQuestion.text)
                                                  .where(QuizQuestion.category_id.in_(ids))):
            existing.add((category_id, text_key(text)))
    first_seen: dict[tuple, int] = {}
    for row, question in planned:
        category = question.category_id if question.category_id is not None else text_key(question.category_name)
        key = (category, text_key(question.text))
        if key in existing:
            result.errors.append((row.number, column, f"Trùng với câu hỏi đã có trong lĩnh vực “{question.category_name}”."))
        elif key in first_seen:
            result.errors.append((row.number, column, f"Trùng với câu hỏi ở dòng {first_seen[key]} của tệp."))
        else:
            first_seen[key] = row.number
            result.questions.append(question)
    result.errors.sort(key=lambda e: e[0])


# -- the import: writing --------------------------------------------------------------------------
def write_questions(session, check: ImportCheck, author) -> tuple[int, int]:
    """Write a checked file's questions (all of them, in the caller's transaction), creating the new
    categories in the author's organization; (questions written, categories created)."""
    if not check.ok:
        raise BankError("Tệp còn lỗi: chưa nhập câu hỏi nào.")
    created: dict[str, QuizCategory] = {}
    for name in check.new_categories:
        category = QuizCategory(name=name, organization_id=author.organization_id)
        session.add(category)
        created[text_key(name)] = category
    session.flush()
    for question in check.questions:
        category_id = question.category_id or created[text_key(question.category_name)].id
        session.add(QuizQuestion(category_id=category_id, text=question.text, kind=question.kind,
                                 options=question.options, explanation=question.explanation, active=True,
                                 created_by_id=author.id))
    session.flush()
    return len(check.questions), len(created)


def readable_clause(model, scope: Scope):
    """What a manager may pick from ``model`` on a form: what their reading scope sees (their subtree's
    and the organizations' above), the rows above only once published when the model has a status."""
    reading = scope_clause(model, scope.for_reading())
    managed = scope_clause(model, scope)
    if managed is None or not hasattr(model, "visible_now"):
        return reading
    return and_(reading, or_(model.visible_now(), managed))
