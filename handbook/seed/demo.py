"""The demo data set: a small tree (~25 organizations, ~300 members), one account per role, then
whatever each domain's demo seeder (``registry.add_seeders(app, demo=fn)``, ``fn(session, rng)``) adds."""
import random
from datetime import date

from sqlalchemy import func, select

from handbook.auth.models import User
from handbook.organizations.models import Member, Organization
from handbook.organizations.operations import assign_path, check_placement
from handbook.registry import registry
from handbook.seed.vocabulary import PersonFactory, vocabulary

DEMO_PASSWORD = "demo1234"
OCCUPATIONS = ["Cán bộ, công chức", "Giáo viên", "Nông dân", "Công nhân", "Bác sĩ", "Kỹ sư", "Hưu trí", "Kinh doanh"]
EDUCATIONS = ["12/12", "Cao đẳng", "Đại học", "Thạc sĩ"]
COMMUNES = ["Quang Trung", "Lê Hồng Phong", "Tiền Phong", "Đông Hòa", "Vũ Phúc", "Đông Mỹ", "Phú Xuân", "Trần Lãm"]


def _org(session, code, name, kind, parent=None):
    """Create one organization with its path, nested by the tree's rules."""
    check_placement(kind, parent)
    org = Organization(code=code, name=name, kind=kind, parent=parent)
    session.add(org)
    assign_path(session, org)
    return org


def seed_demo(session, seed: int = 1) -> list[tuple[str, str, str, str]]:
    """Fill an empty database with the demo tree; return (role, login, password, scope) rows."""
    if session.execute(select(func.count()).select_from(Organization)).scalar():
        raise RuntimeError("The database already has organizations; demo data goes only into an empty one.")
    rng = random.Random(seed)
    people = PersonFactory(rng)
    names = vocabulary()["thai_binh"]
    province = _org(session, "TB", names["province"], "province")
    branches = []
    for c, committee_name in enumerate(names["directly_subordinate"][:2], start=1):
        committee = _org(session, f"TB-{c:02d}", committee_name, "committee", province)
        for g, commune in enumerate(COMMUNES[(c - 1) * 3:(c - 1) * 3 + 3], start=1):
            grassroots = _org(session, f"TB-{c:02d}-{g:03d}", f"Đảng bộ xã {commune}", "grassroots", committee)
            for b in range(1, 3 + (g == 1)):
                branches.append(_org(session, f"TB-{c:02d}-{g:03d}-{b:02d}", f"Chi bộ thôn {commune} {b}", "branch", grassroots))
    # 1 + 2 + 6 + 14 = 23 organizations, 300 members spread over 14 branches.
    today = date.today()
    card = 10000
    secretaries = {}
    for i in range(300):
        branch = branches[i % len(branches)]
        gender = "male" if rng.random() < 0.62 else "female"
        birth, admitted, official = people.dates(today)
        card += 1
        first_in_branch = i < len(branches)
        member = Member(
            full_name=people.name(gender),
            gender=gender,
            date_of_birth=birth,
            admitted_on=admitted,
            official_on=official,
            status="official" if official else "probationary",
            card_number=f"{card:08d}",
            organization=branch,
            position="secretary" if first_in_branch else ("deputy_secretary" if i < 2 * len(branches) else "member"),
            ethnicity=people.ethnicity(),
            religion=people.religion(),
            hometown=f"Xã {rng.choice(COMMUNES)}, tỉnh Thái Bình",
            occupation=rng.choice(OCCUPATIONS),
            education=rng.choice(EDUCATIONS),
            theory_level=rng.choice(["primary", "intermediate", "advanced"]),
            phone=f"09{rng.randint(10000000, 99999999)}",
            national_id=f"034{rng.randint(100000000, 999999999)}",
        )
        session.add(member)
        if first_in_branch:
            secretaries[branch.code] = member
    session.flush()
    branch = branches[0]
    plain_member = session.execute(
        select(Member).where(Member.organization_id == branch.id, Member.position == "member").order_by(Member.id)
    ).scalars().first()
    committee = branch.parent.parent
    accounts = [
        ("admin", "admin@handbook.vn", None, None),
        ("committee", "huyenuy@handbook.vn", committee, None),
        ("secretary", secretaries[branch.code].phone, branch, secretaries[branch.code]),
        ("member", plain_member.phone, branch, plain_member),
    ]
    printed = []
    for role, login, org, member in accounts:
        user = User(login=login, role=role, organization=org, member=member)
        user.set_password(DEMO_PASSWORD)
        session.add(user)
        printed.append((role, user.login, DEMO_PASSWORD, org.name if org else "toàn tỉnh"))
    for seeder in registry().demo_seeders + registry().last_demo_seeders:
        seeder(session, rng)
    session.commit()
    return printed
