"""``flask members import``: the dry run's errors on the terminal, the import, its activation files, its exit codes."""
import io

import pypdf
import pytest
from sqlalchemy import select

from handbook.organizations.models import Member
from roster_support import card, row, xlsx


@pytest.fixture(scope="module")
def place(make):
    """A grassroots organization with a branch, and a branch of another commune."""
    grassroots = make.org(kind="grassroots", name="Đảng bộ xã Dòng Lệnh")
    return grassroots, make.org(grassroots, "branch", "Chi bộ thôn Dòng Lệnh"), make.org(
        make.org(kind="grassroots", name="Đảng bộ xã Khác Lệnh"), "branch", "Chi bộ Khác Lệnh")


def _file(tmp_path, rows, name="ds.xlsx"):
    path = tmp_path / name
    path.write_bytes(xlsx(rows))
    return str(path)


def test_a_dry_run_prints_every_error_and_writes_nothing(app, place, tmp_path, dbq):
    grassroots, branch, _ = place
    numbers = [card(), card()]
    path = _file(tmp_path, [row("Lò Văn Lệnh", branch.code, card_number=numbers[0]),
                            row("Lò Thị Lệnh", branch.code, card_number=numbers[1], born="30/02/1990")])
    result = app.test_cli_runner().invoke(args=["members", "import", path, "--dry-run"])
    assert result.exit_code == 1
    assert "Dòng 3, cột “Ngày sinh”: Ngày sinh phải ghi theo dạng ngày/tháng/năm" in result.output
    assert "1 errors; nothing was written." in result.output
    assert dbq(lambda s: s.execute(select(Member).where(Member.card_number.in_(numbers))).first()) is None


def test_the_command_imports_and_writes_the_activation_files(app, place, tmp_path, dbq):
    grassroots, branch, elsewhere = place
    numbers = [card(), card()]
    path = _file(tmp_path, [row("Lò Văn Nhập", branch.code, card_number=numbers[0], phone="0914000301"),
                            row("Lò Thị Nhập", branch.code, card_number=numbers[1])])
    out = tmp_path / "phieu"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["members", "import", path, "--org", grassroots.code, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 rows: created 2 members, updated 0 (0 transferred), 0 unchanged, 2 new accounts." in result.output
    sheets = sorted(p.name for p in out.iterdir())
    assert len(sheets) == 2 and sheets[0].startswith("phieu-kich-hoat-") and sheets[1].startswith("tin-nhan-kich-hoat-")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO((out / sheets[0]).read_bytes())).pages)
    assert "Lò Văn Nhập" in text and "Lò Thị Nhập" in text and "0914000301" in text
    assert dbq(lambda s: len(s.execute(select(Member).where(Member.card_number.in_(numbers))).all())) == 2
    again = runner.invoke(args=["members", "import", path, "--org", grassroots.code, "--out", str(out)])
    assert "created 0 members, updated 0 (0 transferred), 2 unchanged, 0 new accounts." in again.output
    # --org limits the import to that subtree: another commune's branch is refused.
    other = _file(tmp_path, [row("Lò Văn Ngoài", elsewhere.code)], "ngoai.xlsx")
    refused = runner.invoke(args=["members", "import", other, "--org", grassroots.code, "--dry-run"])
    assert refused.exit_code == 1 and "trong phạm vi tổ chức bạn quản lý" in refused.output


def test_a_bad_code_or_an_unreadable_file_exits_2(app, tmp_path):
    runner = app.test_cli_runner()
    path = _file(tmp_path, [row("Lò Văn Mã", "X")])
    assert runner.invoke(args=["members", "import", path, "--org", "KHONG-CO-MA"]).exit_code == 2
    broken = tmp_path / "hong.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    result = runner.invoke(args=["members", "import", str(broken)])
    assert result.exit_code == 2 and "bị hỏng" in result.output
