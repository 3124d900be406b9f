"""One-time activation codes: issued in bulk for accounts that have no password yet, printed per
branch and sent by SMS or email, redeemed once on /activate to choose the first password.

Only a keyed hash of a code is stored. It is HMAC-SHA256 under the app's SECRET_KEY, a fast hash
and not scrypt, on purpose: one import issues 108,600 codes at once (scrypt would take minutes), and
a code needs no slow hash to resist guessing since it is random (10 characters of 31, about 50
bits), expires, works once, and guessing it on /activate is throttled per address and per login.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from typing import BinaryIO, Iterable, Sequence

from flask import current_app, has_request_context, url_for
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer, Table, TableStyle
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import joinedload

from handbook import pdf
from handbook.auth.models import ActivationCode, User, normalize_login
from handbook.bulk import insert_rows
from handbook.clock import local_date, local_now, utcnow
from handbook.organizations.models import Member, Organization
from handbook.spreadsheets import styled_cell, text_cell
from handbook.text import number_digits, without_control_characters

# No 0/O, 1/I/L: a code copied from paper or read over the phone has one reading.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
_GROUP = CODE_LENGTH // 2
_CODE = re.compile(f"[{ALPHABET}]{{{CODE_LENGTH}}}")
# What people type between the groups of a code: spaces, dashes of any kind.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015_.]")
# Ids per statement: SQLite before 3.32 takes at most 999 parameters.
ID_CHUNK = 900
# Rows per table of the sheet, each built only when the layout reaches it (pdf.LazyTable).
SHEET_CHUNK_ROWS = 200
# Guesses on /activate counted per address and per login typed, in the shared counters
# (handbook/throttle.py); a successful activation gives its hit back, so a commune hall where
# a whole branch activates behind one address is not locked out by its own members.
ADDRESS_LIMIT = "30/hour"
LOGIN_LIMIT = "10/hour"

SHEET_TITLE = "PHIẾU KÍCH HOẠT TÀI KHOẢN SỔ TAY ĐẢNG VIÊN"
SHEET_HEADER = ("STT", "Họ và tên", "Tài khoản đăng nhập", "Mã kích hoạt", "Hạn dùng")
MESSAGES_HEADER = ("Chi bộ", "Họ và tên", "Điện thoại", "Email", "Tài khoản", "Mã kích hoạt", "Hạn dùng", "Tin nhắn")
_MESSAGES_WIDTHS = (30, 26, 13, 26, 24, 14, 12, 80)


def new_code() -> str:
    """A random code of CODE_LENGTH characters of ALPHABET, grouped for reading: "ABCDE-FGHJK"."""
    # One draw from the system's generator, written in base 31, rather than one draw per character
    # (secrets.choice): a province's 108,600 codes take a fraction of a second instead of five.
    number = secrets.randbelow(len(ALPHABET) ** CODE_LENGTH)
    picked = []
    for _ in range(CODE_LENGTH):
        number, digit = divmod(number, len(ALPHABET))
        picked.append(ALPHABET[digit])
    return f"{''.join(picked[:_GROUP])}-{''.join(picked[_GROUP:])}"


def normalize_code(text: str | None) -> str:
    """A typed code as stored before hashing: upper case, without spaces or dashes ("abcde fghjk" → "ABCDEFGHJK")."""
    return _SEPARATORS.sub("", text or "").upper()


def _hasher():
    """HMAC-SHA256 under SECRET_KEY, keyed once: a function of a normalized code to its hex digest."""
    key = current_app.secret_key
    keyed = hmac.new(key.encode() if isinstance(key, str) else key, digestmod=hashlib.sha256)

    def digest(normalized: str) -> str:
        mac = keyed.copy()
        mac.update(normalized.encode())
        return mac.hexdigest()

    return digest


def code_hash(code: str) -> str:
    """The stored form of a code: HMAC-SHA256 of the normalized code under SECRET_KEY, in hex (see the module's docstring)."""
    return _hasher()(normalize_code(code))


def _chunks(items: Sequence, size: int = ID_CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def issue_codes(session, user_ids, issued_by_id: int | None = None, now: datetime | None = None) -> dict[int, str]:
    """Give each account of ``user_ids`` a new code, ending its open ones; {user id: plain code}.

    Set-based: one UPDATE per chunk of ids ends the open codes, then one bulk insert (COPY on
    PostgreSQL) writes the new ones. The caller commits; the plain codes exist only in the answer.
    """
    now = now or utcnow()
    ids = list(dict.fromkeys(user_ids))
    expires_at = now + timedelta(days=current_app.config["ACTIVATION_CODE_DAYS"])
    for chunk in _chunks(ids):
        session.execute(update(ActivationCode).where(ActivationCode.user_id.in_(chunk), ActivationCode.used_at.is_(None))
                        .values(used_at=now).execution_options(synchronize_session=False))
    codes: dict[int, str] = {}
    hashes: set[str] = set()
    rows = []
    digest_of = _hasher()
    for user_id in ids:
        code = new_code()
        digest = digest_of(code.replace("-", ""))
        while digest in hashes:  # two equal codes in one batch: about once in 100,000 imports
            code = new_code()
            digest = digest_of(code.replace("-", ""))
        hashes.add(digest)
        codes[user_id] = code
        rows.append({"user_id": user_id, "code_hash": digest, "created_at": now, "expires_at": expires_at,
                     "used_at": None, "issued_by_id": issued_by_id})
    insert_rows(session, ActivationCode.__table__, rows)
    return codes


def end_codes(session, user_id: int, now: datetime | None = None) -> int:
    """End the open codes of one account (staff set its password); how many were open."""
    result = session.execute(update(ActivationCode)
                             .where(ActivationCode.user_id == user_id, ActivationCode.used_at.is_(None))
                             .values(used_at=now or utcnow()).execution_options(synchronize_session=False))
    return result.rowcount


@dataclass(frozen=True)
class ActivationRow:
    """One account's line on the activation sheet and in the messages file."""

    branch_code: str
    branch_name: str
    full_name: str
    login: str
    code: str
    expires_at: datetime
    phone: str | None = None
    email: str | None = None


def activation_rows(session, codes: dict[int, str]) -> list[ActivationRow]:
    """The accounts of ``codes`` with their member and the member's branch (the account's own
    organization when no member is linked), by branch in tree order, then by name in Vietnamese order."""
    found = []
    for chunk in _chunks(list(codes)):
        stmt = (
            select(User.id, User.login, Member.full_name, Member.sort_key, Member.phone, Member.email,
                   Organization.code, Organization.name, Organization.path, ActivationCode.expires_at)
            .join(ActivationCode, ActivationCode.user_id == User.id)
            .outerjoin(Member, Member.id == User.member_id)
            .outerjoin(Organization, Organization.id == func.coalesce(Member.organization_id, User.organization_id))
            .where(ActivationCode.code_hash.in_([code_hash(codes[user_id]) for user_id in chunk]))
        )
        found.extend(session.execute(stmt).all())
    # Sorted here, not in SQL, as the chunks come apart; paths and sort keys compare as plain strings.
    found.sort(key=lambda r: (r.path or "", r.sort_key or "", r.login))
    return [ActivationRow(branch_code=r.code or "", branch_name=r.name or "", full_name=r.full_name or r.login,
                          login=r.login, code=codes[r.id], expires_at=r.expires_at, phone=r.phone, email=r.email)
            for r in found]


def activation_url() -> str:
    """Where a member activates their account: this site's /activate (a path when no request tells the host)."""
    if has_request_context():
        return url_for("auth.activate", _external=True)
    return url_for("auth.activate")


def _expiry(value: datetime) -> str:
    """The last day a code works, in Vietnam's calendar, dd/mm/yyyy."""
    return local_date(local_now(value).date())


def _sheet_table(rows: list[ActivationRow], first_number: int, widths: list[float]) -> Table:
    """One table of at most SHEET_CHUNK_ROWS rows, the header repeated on each page: plain-string
    cells, as a Paragraph per cell would be most of the time of a province's sheet."""
    s = pdf.styles()
    header = [Paragraph(pdf.escaped(title), s.cell_header) for title in SHEET_HEADER]
    regular = pdf.fonts().regular
    # 6 points of padding each side: the table's default.
    name, login = pdf.fitting(regular, 10, widths[1] - 12), pdf.fitting(regular, 10, widths[2] - 12)
    body = [[str(n), name(without_control_characters(row.full_name)), login(row.login), row.code, _expiry(row.expires_at)]
            for n, row in enumerate(rows, first_number)]
    grid = Table([header, *body], colWidths=widths, repeatRows=1)
    grid.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), pdf.LIGHT_GREY),
        ("FONTNAME", (0, 1), (-1, -1), pdf.fonts().regular),
        ("FONTSIZE", (0, 1), (-1, -1), 10),
        ("LEADING", (0, 1), (-1, -1), 13),
        # The code in bold: it is what the member copies.
        ("FONTNAME", (3, 1), (3, -1), pdf.fonts().bold),
        ("FONTSIZE", (3, 1), (3, -1), 11),
        ("ALIGN", (0, 1), (0, -1), "RIGHT"),
        ("ALIGN", (3, 1), (4, -1), "CENTER"),
    ]))
    return grid


def _instructions(url: str) -> list:
    """How a member uses the sheet, under each branch's list."""
    s = pdf.styles()
    steps = [
        f"Mở địa chỉ {url} trên điện thoại hoặc máy tính.",
        "Nhập tài khoản đăng nhập (số điện thoại, email hoặc số thẻ đảng viên) và mã kích hoạt in trong bảng.",
        "Chọn mật khẩu mới (ít nhất 8 ký tự), nhập lại mật khẩu rồi bấm “Kích hoạt tài khoản”.",
        "Mỗi mã chỉ dùng được một lần, trước ngày hết hạn. Không đưa mã cho người khác. "
        "Mã hết hạn hoặc bị mất: đề nghị bí thư chi bộ cấp mã mới.",
    ]
    flowables = [Spacer(1, 6 * mm), Paragraph("<b>Hướng dẫn kích hoạt tài khoản</b>", s.recipient)]
    flowables += [Paragraph(f"{n}. {pdf.escaped(step)}", s.recipient) for n, step in enumerate(steps, 1)]
    return flowables


class _Branches(Flowable):
    """The branches still to lay out, one placeholder in the story: when the layout reaches it, it
    never fits, and splitting it makes the next branch's page (heading, lazy tables, instructions)
    followed by a placeholder for the rest. The story so holds one branch's flowables at a time,
    not the paragraphs of a province's thousands of branches."""

    _ZEROSIZE = True  # split even at the very bottom of a page: the branch starts on a new one anyway

    def __init__(self, branches: list[list[ActivationRow]], index: int, widths: list[float], url: str):
        super().__init__()
        self._branches, self._index, self._widths, self._url = branches, index, widths, url

    def wrap(self, available_width, available_height):
        return available_width, available_height + 1

    def split(self, available_width, available_height):
        s = pdf.styles()
        members = self._branches[self._index]
        first = members[0]
        flowables = [PageBreak()] if self._index else []
        flowables.append(Paragraph(pdf.escaped(SHEET_TITLE), s.kind))
        name = f"{first.branch_name} (mã {first.branch_code})" if first.branch_code else first.branch_name or "Chưa gắn tổ chức"
        flowables.append(Paragraph(pdf.escaped(name), s.subject))
        for start in range(0, len(members), SHEET_CHUNK_ROWS):
            part = members[start:start + SHEET_CHUNK_ROWS]
            flowables.append(pdf.LazyTable(lambda part=part, number=start + 1: _sheet_table(part, number, self._widths)))
        flowables += _instructions(self._url)
        if self._index + 1 < len(self._branches):
            flowables.append(_Branches(self._branches, self._index + 1, self._widths, self._url))
        return flowables


def write_activation_sheet(rows: Sequence[ActivationRow], out, url: str | None = None) -> None:
    """Write the activation sheet, a PDF on A4: each branch on a page of its own, its name and code,
    its members' accounts and codes, then how to activate. ``out`` is a path or a binary stream.

    Branches are laid out one at a time, their tables of SHEET_CHUNK_ROWS rows built only as the
    layout reaches them and finished pages compressed as it goes, so a province's 108,600 rows stay
    in bounded memory."""
    # The code column fits the widest code there is (W is the widest letter of the alphabet) in 11 pt bold.
    code_width = stringWidth("W" * CODE_LENGTH + "-", pdf.fonts().bold, 11) + 14
    widths = [12 * mm, 0, 40 * mm, code_width, 24 * mm]
    widths[1] = pdf.CONTENT_WIDTH - sum(widths)
    branches = [list(members) for _key, members in groupby(rows, key=lambda r: (r.branch_code, r.branch_name))]
    if branches:
        story = [_Branches(branches, 0, widths, url or activation_url())]
    else:
        story = [Paragraph(pdf.escaped(SHEET_TITLE), pdf.styles().kind)]
    data = pdf.build_pdf(story, title=SHEET_TITLE.capitalize())
    if isinstance(out, (str, os.PathLike)):
        with open(out, "wb") as file:
            file.write(data)
    else:
        out.write(data)


def activation_message(row: ActivationRow, url: str) -> str:
    """The SMS or email that gives a member their code."""
    return (f"Sổ tay đảng viên: đồng chí {row.full_name}, tài khoản của đồng chí là {row.login}, "
            f"mã kích hoạt {row.code} (dùng một lần, hạn đến {_expiry(row.expires_at)}). "
            f"Mở {url}, nhập tài khoản, mã và chọn mật khẩu. Không đưa mã cho người khác.")


def write_activation_messages(rows: Sequence[ActivationRow], out: str | os.PathLike | BinaryIO, url: str) -> None:
    """Write the messages to send, one row per account, as an xlsx from openpyxl's write-only
    workbook; every text cell is neutralized against formulas (a name "=HYPERLINK(…)" stays text)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Mã kích hoạt")
    for i, width in enumerate(_MESSAGES_WIDTHS, 1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([styled_cell(sheet, title, bold) for title in MESSAGES_HEADER])
    for row in rows:
        sheet.append([text_cell(value) for value in (
            row.branch_name, row.full_name, row.phone, row.email, row.login, row.code, _expiry(row.expires_at),
            activation_message(row, url))])
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(MESSAGES_HEADER))}{len(rows) + 1}"
    workbook.save(out)


def redeem(session, login: str, code: str, now: datetime | None = None) -> User | None:
    """The active account that ``login`` names (its login, or its member's card number) and whose
    open, unexpired code ``code`` is, with the code used up; None otherwise. The caller commits.

    The code is consumed by one conditional UPDATE that must change exactly one row: of two
    requests with the same code at once, only one gets the account.
    """
    digits = normalize_code(code)
    if not _CODE.fullmatch(digits):
        return None
    now = now or utcnow()
    typed = (login or "").strip()
    found = session.execute(
        select(User, ActivationCode.id)
        .join(ActivationCode, ActivationCode.user_id == User.id)
        .outerjoin(Member, Member.id == User.member_id)
        .where(ActivationCode.code_hash == code_hash(digits), ActivationCode.used_at.is_(None),
               ActivationCode.expires_at > now,
               or_(User.login == normalize_login(typed), Member.card_number.in_(sorted({typed, number_digits(typed)}))))
        .options(joinedload(User.member))
    ).first()
    if found is None or not found[0].is_active:
        return None
    user, code_id = found
    used = session.execute(update(ActivationCode).where(ActivationCode.id == code_id, ActivationCode.used_at.is_(None))
                           .values(used_at=now).execution_options(synchronize_session=False))
    return user if used.rowcount == 1 else None
