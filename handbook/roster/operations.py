"""Importing the branch register: every row checked, then all rows written or none.

The file is read in chunks of ``CHUNK`` rows. Each chunk is checked as a whole against the database
(one query for the members its card numbers name, one for the logins it would take) and, in an
import, written with a handful of set-based statements: new members, changed members (each with its
row version moved, so an open form of them turns stale), the recorded transfers, the new accounts.
No per-row ORM work, so 108,600 rows take about as long as reading them. The whole import is one
transaction: the first error stops the writing, the rest of the file is still checked so that every
error is listed, and the transaction is rolled back.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from sqlalchemy import bindparam, case, insert, literal, select, update

from handbook.auth.membership import ENDED_STATUSES
from handbook.auth.models import User, new_session_token
from handbook.clock import local_today, utcnow
from handbook.organizations.models import Member, MemberChange, Organization
from handbook.roster.columns import BY_FIELD
from handbook.roster.reader import FileRefused, RegisterFile
from handbook.roster.rows import new_member_status, read_row
from handbook.scope import Scope, scope_clause
from handbook.text import search_key, vi_sort_key

CHUNK = 1000
# Errors kept to be shown; the rest are counted.
ERRORS_KEPT = 1000
# The member's fields a row may set, as stored.
MEMBER_FIELDS = (
    "full_name", "date_of_birth", "gender", "ethnicity", "religion", "hometown", "admitted_on", "official_on",
    "status", "position", "occupation", "education", "theory_level", "phone", "email", "national_id",
)
BRANCH_KINDS = ("branch", "grassroots")


class ChangedMeanwhile(RuntimeError):
    """Members of the file were changed by someone else between the check and the write."""

    message = ("Một số đảng viên trong tệp vừa được người khác sửa trong lúc nhập. Chưa có gì được ghi; "
               "hãy kiểm tra lại tệp rồi nhập lại.")


@dataclass(frozen=True)
class RowError:
    """What is wrong with one cell (or one row, ``column`` empty) of the file."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"Dòng {self.row}, cột “{self.column}”: {self.message}" if self.column else f"Dòng {self.row}: {self.message}"


@dataclass
class ImportResult:
    """What a dry run found or an import did."""

    applied: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    transferred: int = 0
    unchanged: int = 0
    accounts: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    ignored: list[str] = field(default_factory=list)
    new_user_ids: list[int] = field(default_factory=list)
    written_member_ids: list[int] = field(default_factory=list)  # created or changed: the audit entry's subjects
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Did every row pass?"""
        return self.error_count == 0

    def summary(self) -> dict:
        """The counts, as the import's record keeps them."""
        return {"created": self.created, "updated": self.updated, "transferred": self.transferred,
                "unchanged": self.unchanged, "accounts": self.accounts, "ignored": self.ignored}


@dataclass
class _Row:
    """A row that passed its own checks, on its way to the database."""

    number: int
    values: dict
    organization_id: int
    existing: dict | bool | None = None  # the stored member (None: new; False: outside the scope)
    login: str | None = None  # the login of the account the row's member gets
    member_id: int | None = None  # once written


class Importer:
    """Checks (and, asked to, writes) a register file within one user's scope."""

    def __init__(self, session, scope: Scope, actor_id: int | None = None, today: date | None = None):
        self.session, self.actor_id = session, actor_id
        self.today = today or local_today()
        self.now = utcnow()
        query = select(Organization.code, Organization.id).where(Organization.kind.in_(BRANCH_KINDS))
        rule = scope_clause(Organization, scope)
        self.branches = dict(session.execute(query if rule is None else query.where(rule)).all())
        # Whether a member the file names is one the importer manages, by the members' own scope rule:
        # a card number of a member elsewhere is an error, not an update.
        rule = scope_clause(Member, scope)
        self.in_scope = literal(True) if rule is None else case((rule, True), else_=False)
        self.seen_cards: dict[str, int] = {}
        self.claimed_logins: set[str] = set()
        self.result = ImportResult()

    # -- checking ---------------------------------------------------------------------------------
    def _error(self, row: int, field_name: str | None, message: str) -> None:
        """Count an error, and keep it while fewer than ERRORS_KEPT are kept."""
        self.result.error_count += 1
        if len(self.result.errors) < ERRORS_KEPT:
            label = BY_FIELD[field_name].label if field_name in BY_FIELD else (field_name or "")
            self.result.errors.append(RowError(row, label, message))

    def _own_checks(self, number: int, record: dict, default_branch: int | None) -> _Row | None:
        """A row's cells by the member form's rules, its card number against the file's, its branch against the scope."""
        values, errors = read_row(record, self.today)
        card = values.get("card_number")
        if card and "card_number" not in errors:
            first = self.seen_cards.setdefault(card, number)
            if first != number:
                errors["card_number"] = f"Số thẻ đảng viên {card} trùng với dòng {first}."
        code = (values.pop("branch_code", "") or "").strip().upper()
        organization_id = default_branch if "branch_code" not in record else self.branches.get(code)
        if organization_id is None and "branch_code" not in errors and code:
            errors["branch_code"] = f"Không có chi bộ mã “{code}” trong phạm vi tổ chức bạn quản lý."
        for name, message in errors.items():
            self._error(number, name, message)
        return None if errors else _Row(number, values, organization_id)

    def _existing(self, rows: list[_Row]) -> None:
        """Attach to each row the member its card number already names; one outside the scope is an error."""
        columns = [getattr(Member, name) for name in MEMBER_FIELDS]
        found = self.session.execute(
            select(Member.id, Member.card_number, Member.version, Member.organization_id,
                   self.in_scope.label("in_scope"), *columns)
            .where(Member.card_number.in_([row.values["card_number"] for row in rows]))
        ).mappings().all()
        by_card = {r["card_number"]: r for r in found}
        for row in rows:
            existing = by_card.get(row.values["card_number"])
            if existing is None:
                continue
            if not existing["in_scope"]:
                self._error(row.number, "card_number", f"Số thẻ đảng viên {row.values['card_number']} đã là của một đảng viên "
                                                       "ngoài phạm vi tổ chức bạn quản lý.")
                row.existing = False
            else:
                row.existing = dict(existing)

    def _logins(self, rows: list[_Row]) -> dict[int, str]:
        """The login each row's new account takes: its phone, else its email, else its card number,
        the first that no account and no earlier row of the file has."""
        wanted = {row.number: [v for v in (row.values.get("phone"), row.values.get("email"), row.values["card_number"]) if v]
                  for row in rows}
        candidates = {login for logins in wanted.values() for login in logins}
        taken = set(self.session.execute(select(User.login).where(User.login.in_(candidates))).scalars()) if candidates else set()
        chosen = {}
        for row in rows:
            login = next((c for c in wanted[row.number] if c not in taken and c not in self.claimed_logins), None)
            if login is None:
                self._error(row.number, "phone", "Số điện thoại, email và số thẻ của đảng viên này đều đã là tài khoản "
                                                 "đăng nhập của người khác, nên không tạo được tài khoản.")
                continue
            self.claimed_logins.add(login)
            chosen[row.number] = login
        return chosen

    # -- one chunk ----------------------------------------------------------------------------------
    def _chunk(self, records: list[tuple[int, dict]], default_branch: int | None, write: bool) -> None:
        """Check a chunk of rows and, when ``write`` and nothing failed so far, write it."""
        rows = [row for number, record in records if (row := self._own_checks(number, record, default_branch))]
        if not rows:
            return
        self._existing(rows)
        rows = [row for row in rows if row.existing is not False]
        inserts, updates, changes, moved_accounts = [], [], [], []
        for row in rows:
            if row.existing is None:
                inserts.append(row)
                continue
            old = row.existing
            changed = [name for name in MEMBER_FIELDS if name in row.values and row.values[name] != old[name]]
            moved = row.organization_id != old["organization_id"]
            if not (changed or moved):
                self.result.unchanged += 1
                continue
            self.result.updated += 1
            self.result.transferred += moved
            restated = "status" in changed
            if moved or restated:
                changes.append({
                    "member_id": old["id"], "changed_at": self.now, "changed_by_id": self.actor_id,
                    "from_organization_id": old["organization_id"] if moved else None,
                    "to_organization_id": row.organization_id if moved else None,
                    "from_status": old["status"] if restated else None,
                    "to_status": row.values["status"] if restated else None,
                })
            if moved:
                moved_accounts.append({"b_member": old["id"], "b_org": row.organization_id})
            updates.append(row)
        self.result.created += len(inserts)
        accounts = self._accounts_for(rows)
        if not write or self.result.error_count:
            return
        self._write(inserts, updates, changes, moved_accounts, accounts)

    def _accounts_for(self, rows: list[_Row]) -> list[_Row]:
        """The rows whose member gets a new account: every new member, and members without one, unless they left the Party."""
        existing_ids = [row.existing["id"] for row in rows if row.existing]
        with_account = set(self.session.execute(
            select(User.member_id).where(User.member_id.in_(existing_ids))).scalars()) if existing_ids else set()
        needing = [row for row in rows if (row.existing is None or row.existing["id"] not in with_account)
                   and self._status(row) not in ENDED_STATUSES]
        logins = self._logins(needing)
        for row in needing:
            row.login = logins.get(row.number)
        needing = [row for row in needing if row.login]
        self.result.accounts += len(needing)
        return needing

    @staticmethod
    def _status(row: _Row) -> str:
        """The member's status once the row is written."""
        if row.existing:
            return row.values.get("status") or row.existing["status"]
        return new_member_status(row.values)

    # -- writing ------------------------------------------------------------------------------------
    def _member_values(self, row: _Row, old: dict | None) -> dict:
        """Every stored column of a member the row writes: its values over the stored ones (an empty cell keeps what was there)."""
        merged = {name: row.values.get(name, old[name] if old else None) for name in MEMBER_FIELDS}
        merged["status"] = self._status(row)
        merged["position"] = merged["position"] or "member"
        merged["search_key"] = search_key(merged["full_name"])
        merged["sort_key"] = vi_sort_key(merged["full_name"])
        merged["organization_id"] = row.organization_id
        merged["updated_at"] = self.now
        return merged

    def _write(self, inserts, updates, changes, moved_accounts, accounts) -> None:
        """Write a checked chunk: new members, changed members, their recorded changes, new accounts."""
        session, table = self.session, Member.__table__
        member_ids = {row.existing["id"]: row for row in updates}
        if inserts:
            values = [{**self._member_values(row, None), "card_number": row.values["card_number"], "created_at": self.now,
                       "version": 1} for row in inserts]
            created = session.execute(insert(table).returning(table.c.id, table.c.card_number), values).all()
            ids = {card: member_id for member_id, card in created}
            for row in inserts:
                row.member_id = ids[row.values["card_number"]]
            self.result.written_member_ids.extend(ids.values())
        if updates:
            statement = (update(table).where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
                         .values(version=table.c.version + 1, **{name: bindparam(name) for name in
                                                                 (*MEMBER_FIELDS, "search_key", "sort_key", "organization_id",
                                                                  "updated_at")}))
            done = session.execute(statement, [{**self._member_values(row, row.existing), "b_id": row.existing["id"],
                                                "b_version": row.existing["version"]} for row in updates]).rowcount
            if done is not None and done >= 0 and done != len(updates):  # a row's version moved since it was read
                raise ChangedMeanwhile(ChangedMeanwhile.message)
            self.result.written_member_ids.extend(member_ids)
        if changes:
            session.execute(insert(MemberChange.__table__), changes)
        if moved_accounts:
            users = User.__table__
            session.execute(update(users).where(users.c.member_id == bindparam("b_member"), users.c.role == "member")
                            .values(organization_id=bindparam("b_org")), moved_accounts)
        ended = {member_id: row.values["status"] for member_id, row in member_ids.items()
                 if row.values.get("status") in ENDED_STATUSES and row.existing["status"] not in ENDED_STATUSES}
        if ended:
            self._end_accounts(ended)
        if accounts:
            for row in accounts:
                if row.existing:
                    row.member_id = row.existing["id"]
            users = User.__table__
            made = session.execute(insert(users).returning(users.c.id), [{
                "login": row.login, "password_hash": "", "role": "member", "organization_id": row.organization_id,
                "member_id": row.member_id, "active": True, "failed_logins": 0, "session_token": new_session_token(),
                "created_at": self.now, "version": 1,
            } for row in accounts]).scalars().all()
            self.result.new_user_ids.extend(made)

    def _end_accounts(self, statuses: dict[int, str]) -> None:
        """End the accounts of members the file says have left the Party, as a form's change would (audited)."""
        from handbook.auth.membership import end_account

        for user in self.session.execute(select(User).where(User.member_id.in_(list(statuses)))).scalars():
            end_account(self.session, user, statuses[user.member_id], user.member_id)

    # -- the whole file -------------------------------------------------------------------------------
    def run(self, register: RegisterFile, write: bool = False, progress: Callable[[int], None] | None = None) -> ImportResult:
        """Check every row of ``register`` and, when ``write`` and every row passes, write them all (not committed)."""
        result, started = self.result, time.perf_counter()
        result.ignored = register.ignored
        default_branch = None
        if "branch_code" not in register.fields:
            if len(self.branches) != 1:
                raise FileRefused("Tệp thiếu cột “Mã chi bộ”: cần biết mỗi đảng viên thuộc chi bộ nào.")
            default_branch = next(iter(self.branches.values()))
        chunk: list[tuple[int, dict]] = []
        for number, record in register.rows:
            chunk.append((number, record))
            if len(chunk) == CHUNK:
                self._chunk(chunk, default_branch, write)
                result.rows += len(chunk)
                chunk = []
                if progress:
                    progress(result.rows)
        if chunk:
            self._chunk(chunk, default_branch, write)
            result.rows += len(chunk)
            if progress:
                progress(result.rows)
        if result.rows == 0:
            raise FileRefused("Tệp không có dòng đảng viên nào dưới dòng tiêu đề.")
        result.seconds["rows"] = time.perf_counter() - started
        result.applied = write and result.ok
        return result


def import_register(session, register: RegisterFile, scope: Scope, *, write: bool, actor_id: int | None = None,
                    progress: Callable[[int], None] | None = None) -> ImportResult:
    """Check (``write`` False: a dry run, nothing written) or import a register within ``scope``.

    An import that finds any error writes nothing: its caller rolls the transaction back."""
    return Importer(session, scope, actor_id).run(register, write=write, progress=progress)
