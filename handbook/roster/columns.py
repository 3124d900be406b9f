"""The columns of the branch register (form 7-HSĐV) an import reads, and how a header names them.

A header matches a column whatever its case, accents, spacing and punctuation ("SỐ THẺ ĐẢNG VIÊN (*)",
"so the dang vien", "Số thẻ ĐV" all name the card number), through the aliases below.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from handbook.organizations.models import GENDERS, MEMBER_LABELS, MEMBER_STATUSES, PARTY_POSITIONS, THEORY_LEVELS
from handbook.text import search_key


@dataclass(frozen=True)
class Column:
    """A column of the register: the member field it fills, its header in the template, the other
    headers people give it, and an example value."""

    field: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    example: object = None
    note: str = ""
    width: int = 14


COLUMNS: tuple[Column, ...] = (
    Column("row_number", "STT", ("so thu tu", "tt"), width=6, example=1),
    Column("full_name", MEMBER_LABELS["full_name"], ("ho ten", "ho va ten dang vien", "ten dang vien"),
           required=True, example="Nguyễn Thị Hương", width=26),
    Column("gender", MEMBER_LABELS["gender"], ("nam nu", "gioi"), example="Nữ", note="Nam hoặc Nữ.", width=10),
    Column("date_of_birth", MEMBER_LABELS["date_of_birth"], ("ngay thang nam sinh", "sinh ngay", "ngay sinh dang vien"),
           example="18/09/1985", note="Ngày/tháng/năm, ví dụ 18/09/1985.", width=13),
    Column("ethnicity", MEMBER_LABELS["ethnicity"], example="Kinh", width=10),
    Column("religion", MEMBER_LABELS["religion"], example="Không", width=10),
    Column("hometown", MEMBER_LABELS["hometown"], ("nguyen quan", "que"), example="Xã Vũ Thư, tỉnh Thái Bình", width=28),
    Column("occupation", MEMBER_LABELS["occupation"], ("nghe nghiep chuc vu", "cong viec"), example="Giáo viên", width=16),
    Column("education", MEMBER_LABELS["education"], ("trinh do", "trinh do van hoa", "van hoa", "trinh do chuyen mon",
                                                     "hoc van"), example="12/12, Đại học", width=16),
    Column("theory_level", MEMBER_LABELS["theory_level"], ("ly luan chinh tri", "trinh do ly luan chinh tri", "llct",
                                                            "trinh do llct"),
           example="Sơ cấp", note="Chưa qua đào tạo, Sơ cấp, Trung cấp, Cao cấp hoặc Cử nhân.", width=14),
    Column("admitted_on", MEMBER_LABELS["admitted_on"], ("ngay ket nap", "ngay ket nap dang", "ngay vao dang cong san viet nam"),
           example="03/02/2010", note="Ngày/tháng/năm.", width=13),
    Column("official_on", MEMBER_LABELS["official_on"], ("ngay cong nhan chinh thuc", "ngay chuyen chinh thuc",
                                                         "ngay dang vien chinh thuc"),
           example="03/02/2011", note="Để trống nếu còn là đảng viên dự bị.", width=13),
    Column("card_number", MEMBER_LABELS["card_number"], ("so the", "so the dv", "so the dang", "the dang vien"),
           required=True, example="83001234", note="6 đến 12 chữ số; nhập lại tệp sẽ cập nhật theo số thẻ.", width=14),
    Column("position", MEMBER_LABELS["position"], ("chuc vu", "chuc vu trong dang", "chuc vu dang uy"),
           example="Đảng viên", note="Bí thư, Phó bí thư, Chi ủy viên hoặc Đảng viên.", width=14),
    Column("status", MEMBER_LABELS["status"], ("trang thai", "tinh trang dang vien", "loai dang vien"),
           example="Chính thức", note="Để trống: chính thức nếu có ngày chính thức, nếu không là dự bị.", width=13),
    Column("national_id", MEMBER_LABELS["national_id"], ("cccd", "so can cuoc", "can cuoc cong dan", "so can cuoc cong dan",
                                                         "so cmnd cccd", "so dinh danh"), example="", width=15),
    Column("phone", MEMBER_LABELS["phone"], ("so dien thoai", "sdt", "so dt", "dien thoai di dong"),
           example="0912345678", note="Dùng làm tài khoản đăng nhập.", width=13),
    Column("email", MEMBER_LABELS["email"], ("thu dien tu", "dia chi email", "e mail"), example="huong.nt@example.vn", width=22),
    Column("branch_code", "Mã chi bộ", ("ma to chuc", "ma chi bo dang", "ma so chi bo"), required=True, example="TB-CB-0001",
           note="Mã của chi bộ trong hệ thống (danh mục Tổ chức đảng).", width=14),
)
BY_FIELD = {column.field: column for column in COLUMNS}

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def header_key(text) -> str:
    """A header as it is compared: accent-free, lower case, punctuation and extra spaces gone."""
    return " ".join(_NOT_ALNUM.sub(" ", search_key(str(text or ""))).split())


_HEADERS = {header_key(name): column.field for column in COLUMNS for name in (column.label, *column.aliases)}


def field_for(header) -> str | None:
    """The field a header names, or None."""
    return _HEADERS.get(header_key(header))


def choice_map(choices: dict[str, str], *extra: tuple[str, str]) -> dict[str, str]:
    """What people type for a coded value (its label, its code, a few more words) -> the code."""
    words = {header_key(label): code for code, label in choices.items()}
    words.update({header_key(code): code for code in choices})
    words.update({header_key(word): code for word, code in extra})
    return words


CHOICES = {
    "gender": (GENDERS, choice_map(GENDERS, ("nu gioi", "female"), ("nam gioi", "male"))),
    "status": (MEMBER_STATUSES, choice_map(MEMBER_STATUSES, ("dang vien chinh thuc", "official"),
                                           ("dang vien du bi", "probationary"), ("mien sinh hoat dang", "exempt"))),
    "position": (PARTY_POSITIONS, choice_map(PARTY_POSITIONS, ("pho bi thu chi bo", "deputy_secretary"),
                                             ("bi thu chi bo", "secretary"), ("chi uy", "committee_member"))),
    "theory_level": (THEORY_LEVELS, choice_map(THEORY_LEVELS, ("chua", "none"), ("khong", "none"),
                                               ("so cap ly luan chinh tri", "primary"), ("trung cap ly luan chinh tri", "intermediate"),
                                               ("cao cap ly luan chinh tri", "advanced"))),
}


def template_workbook() -> bytes:
    """The register template: the headers in Vietnamese, one example row, a note on each column."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Danh sách đảng viên"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FDE9D9")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column.label + (" (*)" if column.required else ""))
        cell.font, cell.alignment = bold, Alignment(wrap_text=True, vertical="center")
        if column.required:
            cell.fill = fill
        if column.note:
            cell.comment = Comment(column.note, "Sổ tay đảng viên")
        example = sheet.cell(row=2, column=index, value=column.example if column.example != "" else None)
        if column.field in ("date_of_birth", "admitted_on", "official_on", "card_number", "phone", "national_id", "branch_code"):
            example.number_format = "@"  # typed as text: Excel keeps the leading 0 and the day-first date
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("Hướng dẫn")
    lines = [
        "Mỗi dòng là một đảng viên; dòng 1 là tiêu đề cột. Các cột có dấu (*) là bắt buộc.",
        "Ngày ghi theo dạng ngày/tháng/năm (18/09/1985) hoặc dùng kiểu ngày của Excel.",
        "Nhập lại cùng tệp sẽ cập nhật đảng viên theo số thẻ, không tạo bản trùng; đổi mã chi bộ là chuyển sinh hoạt.",
        "Ô để trống không xóa thông tin đã có trong hệ thống.",
        "Mỗi đảng viên mới được tạo tài khoản (đăng nhập bằng số điện thoại, email hoặc số thẻ) với mã kích hoạt dùng một lần.",
    ]
    notes.column_dimensions["A"].width = 110
    for row, line in enumerate(lines, start=1):
        notes.cell(row=row, column=1, value=line)
    for row, column in enumerate(COLUMNS, start=len(lines) + 2):
        notes.cell(row=row, column=1, value=f"{column.label}: {column.note or '—'}")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
