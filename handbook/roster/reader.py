"""Reading a register file row by row, xlsx or csv, without trusting it.

An xlsx is a zip of XML: its declared sizes are checked before anything is unpacked (a zip bomb
is refused, not inflated), openpyxl parses it through defusedxml (an XML bomb raises instead of
expanding) and streams it in ``read_only`` mode, and formulas are read as the text they are
(``data_only=False``): nothing in the file is ever computed.
"""
from __future__ import annotations

import codecs
import csv
import logging
import zipfile
from dataclasses import dataclass, field
from typing import Iterator

from handbook.roster.columns import BY_FIELD, COLUMNS, field_for, header_key

log = logging.getLogger(__name__)

# A register of the whole province is 108,600 rows; twice that is surely a wrong file.
MAX_ROWS = 200_000
# Header rows are looked for among the first rows: registers often start with a title.
HEADER_SEARCH_ROWS = 15
# What an xlsx may unpack to, and how much more than its packed size (a bomb packs 1,000:1 and more).
MAX_UNPACKED_BYTES = 400 * 1024 * 1024
MAX_RATIO = 200


class FileRefused(ValueError):
    """A file that cannot be imported at all; the message says why, in Vietnamese."""


@dataclass
class RegisterFile:
    """An opened register: where its header is, which column holds which field, and its rows."""

    kind: str  # "xlsx" or "csv"
    header_row: int
    columns: dict[int, str]  # column index -> field
    ignored: list[str] = field(default_factory=list)  # headers that name no field
    rows: Iterator = iter(())  # (row number, {field: raw value}) for each non-empty row
    close: object = None

    @property
    def fields(self) -> set[str]:
        """The fields the file has a column for."""
        return set(self.columns.values())


def sniff(head: bytes) -> str:
    """What kind of file this is by its first bytes: "xlsx", "csv", or a refusal."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused("Tệp Excel 97-2003 (.xls) không được hỗ trợ. Hãy mở tệp và lưu lại dạng .xlsx hoặc CSV UTF-8.")
    if b"\x00" in head[:4096]:
        raise FileRefused("Tệp không phải bảng tính .xlsx hoặc .csv.")
    return "csv"


def check_zip(path: str, max_unpacked: int = MAX_UNPACKED_BYTES, max_ratio: int = MAX_RATIO) -> None:
    """Refuse a zip that is not a workbook or that would unpack to far more than it weighs (at most
    ``max_unpacked`` bytes, ``max_ratio`` times its packed size): checked on the zip's directory,
    before anything is unpacked. Any sheet brought in from outside goes through here."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileRefused("Tệp .xlsx bị hỏng hoặc không phải bảng tính Excel.") from None
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        raise FileRefused("Tệp nén không phải bảng tính Excel (.xlsx).")
    unpacked = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    if unpacked > max_unpacked or unpacked > max_ratio * packed + 10 * 1024 * 1024:
        raise FileRefused("Tệp .xlsx giải nén ra quá lớn so với dung lượng tệp (có thể là tệp độc hại), nên không được đọc.")


def _find_header(rows: Iterator[tuple[int, tuple]]) -> tuple[int, dict[int, str], list[str]]:
    """The first row that names the name and card number columns, and what each of its cells names."""
    for number, values in rows:
        if number > HEADER_SEARCH_ROWS:
            break
        fields = {index: field_for(value) for index, value in enumerate(values) if value not in (None, "")}
        named = {f for f in fields.values() if f}
        if {"full_name", "card_number"} <= named:
            columns, seen, ignored = {}, {}, []
            for index, name in fields.items():
                if name is None:
                    if header_key(values[index]):  # a header of mere punctuation ("—") is no column
                        ignored.append(str(values[index]).strip())
                elif name in seen:
                    raise FileRefused(f"Cột “{BY_FIELD[name].label}” có hai lần trong dòng tiêu đề (cột {_letter(seen[name])} "
                                      f"và cột {_letter(index)}). Hãy giữ lại một cột.")
                else:
                    seen[name] = index
                    columns[index] = name
            return number, columns, ignored
    required = ", ".join(c.label for c in COLUMNS if c.required)
    raise FileRefused(f"Không tìm thấy dòng tiêu đề trong {HEADER_SEARCH_ROWS} dòng đầu. Tệp cần có các cột: {required}. "
                      "Hãy dùng tệp mẫu.")


def _letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _records(numbered: Iterator[tuple[int, tuple]], columns: dict[int, str]) -> Iterator[tuple[int, dict]]:
    """The rows after the header as {field: raw value}, empty rows (or rows with only a number) skipped."""
    count = 0
    for number, values in numbered:
        record = {name: values[index] for index, name in columns.items() if index < len(values)}
        if not any(value not in (None, "") and not (isinstance(value, str) and not value.strip())
                   for name, value in record.items() if name != "row_number"):
            continue
        count += 1
        if count > MAX_ROWS:
            raise FileRefused(f"Tệp có hơn {MAX_ROWS:,} dòng đảng viên; hãy chia thành nhiều tệp.".replace(",", "."))
        yield number, record


def _xlsx(path: str) -> RegisterFile:
    """Open an xlsx in streaming mode at its first sheet with a header row."""
    from openpyxl import load_workbook

    check_zip(path)
    # A file object, not the path: openpyxl would judge a path by its extension, not its content.
    handle = open(path, "rb")
    try:
        book = load_workbook(handle, read_only=True, data_only=False)
    except Exception as exc:  # a broken or hostile workbook: every parser error means "cannot read it"
        handle.close()
        log.info("refused workbook %s: %r", path, exc)
        raise FileRefused("Không đọc được tệp Excel: tệp bị hỏng hoặc có nội dung không an toàn.") from None

    def close() -> None:
        book.close()
        handle.close()

    try:
        for sheet in book.worksheets:
            numbered = enumerate(sheet.iter_rows(values_only=True), start=1)
            try:
                header, columns, ignored = _find_header(numbered)
            except FileRefused:
                if sheet is book.worksheets[-1]:
                    raise
                continue
            return RegisterFile("xlsx", header, columns, ignored, _guarded(_records(numbered, columns)), close)
    except FileRefused:
        close()
        raise
    except Exception as exc:
        close()
        log.info("refused workbook %s: %r", path, exc)
        raise FileRefused("Không đọc được tệp Excel: tệp bị hỏng hoặc có nội dung không an toàn.") from None
    close()
    raise FileRefused("Tệp Excel không có trang tính nào.")


def _guarded(rows: Iterator) -> Iterator:
    """Rows whose reading fails halfway (a bomb deep in the sheet, a truncated zip) end in a refusal."""
    try:
        yield from rows
    except FileRefused:
        raise
    except Exception as exc:
        log.info("refused file while reading rows: %r", exc)
        raise FileRefused("Không đọc được tệp: nội dung bị hỏng hoặc không an toàn ở giữa tệp.") from None


def _csv(path: str) -> RegisterFile:
    """Open a csv (UTF-8, with or without BOM; comma, semicolon or tab) for streaming."""
    with open(path, "rb") as raw:
        head = raw.read(64 * 1024)
    try:
        sample = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError:
        raise FileRefused("Tệp CSV phải lưu với bảng mã UTF-8 (trong Excel: Lưu thành › CSV UTF-8).") from None
    first = sample.splitlines()[:HEADER_SEARCH_ROWS]
    delimiter = max(",;\t", key=lambda d: sum(line.count(d) for line in first))
    handle = open(path, encoding="utf-8-sig", newline="")

    def numbered():
        for number, values in enumerate(csv.reader(handle, delimiter=delimiter), start=1):
            yield number, tuple(values)

    # One wrapper for the header and the rows: closing a second one would close the reader under it.
    rows = _decoded(numbered())
    try:
        header, columns, ignored = _find_header(rows)
    except BaseException:
        handle.close()
        raise
    return RegisterFile("csv", header, columns, ignored, _guarded(_records(rows, columns)), handle.close)


def _decoded(rows: Iterator) -> Iterator:
    """Rows of a csv, a bad byte anywhere ending in the UTF-8 message rather than a 500."""
    try:
        yield from rows
    except UnicodeDecodeError:
        raise FileRefused("Tệp CSV phải lưu với bảng mã UTF-8 (trong Excel: Lưu thành › CSV UTF-8).") from None
    except csv.Error:
        raise FileRefused("Tệp CSV bị hỏng (dòng quá dài hoặc dấu ngoặc kép không đóng).") from None


def open_register(path: str) -> RegisterFile:
    """Open a register file for reading, whichever its kind; ``FileRefused`` says why it cannot be."""
    with open(path, "rb") as handle:
        head = handle.read(8192)
    if not head.strip():
        raise FileRefused("Tệp rỗng.")
    kind = sniff(head)
    return _xlsx(path) if kind == "xlsx" else _csv(path)

