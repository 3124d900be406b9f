"""yearly rating: the rules of each year, members' ratings and their steps, organizations' ratings, discipline

The 2025 rule set of Quy định 366-QĐ/TW is written here with its criteria and conditions: the
regulation is data every deployment starts from, and the organization department edits it or
copies it to a new year on the screen.

Revision ID: d1a0e17e0109
Revises: d1a0e17e0108
Create Date: 2026-11-30 13:37:33.297552

"""
import datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd1a0e17e0109'
down_revision = 'd1a0e17e0108'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rating_rule_set',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('regulation', sa.String(length=60), nullable=False),
    sa.Column('excellent_min', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('good_min', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('pass_min', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('quota_percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_rule_set')),
    sa.UniqueConstraint('year', name=op.f('uq_rating_rule_set_year')),
    sqlite_autoincrement=True
    )
    op.create_table('rating_condition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_set_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=20), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('operator', sa.String(length=2), nullable=False),
    sa.Column('value', sa.Numeric(precision=10, scale=4), nullable=False),
    sa.Column('note', sa.String(length=255), nullable=True),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.ForeignKeyConstraint(['rule_set_id'], ['rating_rule_set.id'], name=op.f('fk_rating_condition_rule_set_id_rating_rule_set'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_condition')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('rating_condition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rating_condition_rule_set_id'), ['rule_set_id'], unique=False)

    op.create_table('rating_criterion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_set_id', sa.Integer(), nullable=False),
    sa.Column('group', sa.String(length=20), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('max_score', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.ForeignKeyConstraint(['rule_set_id'], ['rating_rule_set.id'], name=op.f('fk_rating_criterion_rule_set_id_rating_rule_set'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_criterion')),
    sa.UniqueConstraint('rule_set_id', 'code', name='uq_rating_criterion_rule_set_code'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('rating_criterion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rating_criterion_rule_set_id'), ['rule_set_id'], unique=False)

    op.create_table('member_discipline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('form', sa.String(length=20), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('decision_number', sa.String(length=40), nullable=True),
    sa.Column('issuer', sa.String(length=255), nullable=True),
    sa.Column('reason', sa.String(length=1000), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_member_discipline_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_discipline')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('member_discipline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_discipline_decided_on'), ['decided_on'], unique=False)
        batch_op.create_index('ix_member_discipline_member_decided', ['member_id', 'decided_on'], unique=False)

    op.create_table('member_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('rule_set_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('evidence_at', sa.DateTime(), nullable=True),
    sa.Column('draft_level', sa.String(length=20), nullable=True),
    sa.Column('self_scores', sa.JSON(), nullable=False),
    sa.Column('self_score', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('self_level', sa.String(length=20), nullable=True),
    sa.Column('self_comment', sa.Text(), nullable=True),
    sa.Column('self_at', sa.DateTime(), nullable=True),
    sa.Column('proposed_score', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('proposed_level', sa.String(length=20), nullable=True),
    sa.Column('proposal_reason', sa.Text(), nullable=True),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('proposed_at', sa.DateTime(), nullable=True),
    sa.Column('decided_level', sa.String(length=20), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_member_rating_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_member_rating_member_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_member_rating_organization_id_organization'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user_account.id'], name=op.f('fk_member_rating_proposed_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rule_set_id'], ['rating_rule_set.id'], name=op.f('fk_member_rating_rule_set_id_rating_rule_set'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_rating')),
    sa.UniqueConstraint('member_id', 'year', name='uq_member_rating_member_year'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('member_rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_rating_status'), ['status'], unique=False)
        batch_op.create_index('ix_member_rating_year_organization', ['year', 'organization_id'], unique=False)

    op.create_table('organization_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('rule_set_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('counted_at', sa.DateTime(), nullable=True),
    sa.Column('draft_level', sa.String(length=20), nullable=True),
    sa.Column('decided_level', sa.String(length=20), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_organization_rating_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_organization_rating_organization_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rule_set_id'], ['rating_rule_set.id'], name=op.f('fk_organization_rating_rule_set_id_rating_rule_set'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization_rating')),
    sa.UniqueConstraint('organization_id', 'year', name='uq_organization_rating_organization_year'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('organization_rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organization_rating_organization_id'), ['organization_id'], unique=False)

    op.create_table('rating_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_rating_id', sa.Integer(), nullable=True),
    sa.Column('organization_rating_id', sa.Integer(), nullable=True),
    sa.Column('step', sa.String(length=20), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=True),
    sa.Column('score', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['user_account.id'], name=op.f('fk_rating_step_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_rating_id'], ['member_rating.id'], name=op.f('fk_rating_step_member_rating_id_member_rating'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_rating_id'], ['organization_rating.id'], name=op.f('fk_rating_step_organization_rating_id_organization_rating'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_step')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('rating_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rating_step_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_rating_step_member_rating_id'), ['member_rating_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rating_step_organization_rating_id'), ['organization_rating_id'], unique=False)
    _write_2025_rule_set()


# The criteria of 366-QĐ/TW's 100-point score (common 30, tasks 70), as the province first set them.
CRITERIA_2025 = [
    ("common", "1.1", "Chính trị, tư tưởng: trung thành với Đảng, chấp hành đường lối, chủ trương của Đảng, "
                      "chính sách, pháp luật của Nhà nước", 8),
    ("common", "1.2", "Đạo đức, lối sống: liêm chính, giản dị, không tham nhũng, lãng phí; "
                      "không có biểu hiện suy thoái", 8),
    ("common", "1.3", "Ý thức tổ chức kỷ luật: chấp hành nguyên tắc tập trung dân chủ, "
                      "sinh hoạt đảng và đóng đảng phí đầy đủ", 8),
    ("common", "1.4", "Tác phong, lề lối làm việc; mối quan hệ với nhân dân nơi cư trú", 6),
    ("tasks", "2.1", "Kết quả thực hiện chức trách, nhiệm vụ chuyên môn được giao", 40),
    ("tasks", "2.2", "Thực hiện nhiệm vụ đảng viên và nhiệm vụ được chi bộ phân công", 20),
    ("tasks", "2.3", "Học tập, quán triệt nghị quyết; tích lũy điểm trên Sổ tay đảng viên", 10),
]
# (subject, level, key, operator, value, note): beyond the score, what each level asks.
CONDITIONS_2025 = [
    ("member", "excellent", "tasks_on_time_rate", ">=", 1, "100% nhiệm vụ hoàn thành đúng hạn"),
    ("member", "excellent", "tasks_beyond_rate", ">=", 0.3, "Ít nhất 30% nhiệm vụ vượt yêu cầu"),
    ("member", "excellent", "points_reached", "==", 1, "Đạt chỉ tiêu điểm tích lũy của Tỉnh ủy"),
    ("member", "excellent", "disciplined", "==", 0, "Không bị kỷ luật trong năm"),
    ("member", "good", "tasks_on_time_rate", ">=", 1, "100% nhiệm vụ hoàn thành đúng hạn"),
    ("member", "good", "disciplined", "==", 0, "Không bị kỷ luật trong năm"),
    ("member", "pass", "tasks_late_rate", "<=", 0.2, "Không quá 20% nhiệm vụ chậm tiến độ"),
    ("member", "pass", "disciplined", "==", 0, "Không bị kỷ luật trong năm"),
    ("organization", "excellent", "pass_share", ">=", 1, "100% đảng viên từ HTNV trở lên"),
    ("organization", "excellent", "good_share", ">=", 0.8, "Ít nhất 80% đảng viên từ HTTNV trở lên"),
    ("organization", "good", "pass_share", ">=", 0.8, "Ít nhất 80% đảng viên từ HTNV trở lên"),
]


def _write_2025_rule_set():
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    rule_set = sa.table("rating_rule_set", *(sa.column(c) for c in (
        "id", "year", "name", "regulation", "excellent_min", "good_min", "pass_min", "quota_percent", "is_open",
        "note", "updated_at", "version")))
    criterion = sa.table("rating_criterion", *(sa.column(c) for c in (
        "rule_set_id", "group", "code", "title", "max_score", "position", "version")))
    condition = sa.table("rating_condition", *(sa.column(c) for c in (
        "rule_set_id", "subject", "level", "key", "operator", "value", "note", "version")))
    op.bulk_insert(rule_set, [{
        "id": 1, "year": 2025, "name": "Đánh giá, xếp loại chất lượng đảng viên năm 2025",
        "regulation": "366-QĐ/TW", "excellent_min": 90, "good_min": 70, "pass_min": 50, "quota_percent": 20,
        "is_open": False, "note": "Quy định 366-QĐ/TW (2025), thay Quy định 124-QĐ/TW.", "updated_at": now,
        "version": 1}])
    op.bulk_insert(criterion, [
        {"rule_set_id": 1, "group": group, "code": code, "title": title, "max_score": score, "position": n,
         "version": 1} for n, (group, code, title, score) in enumerate(CRITERIA_2025)])
    op.bulk_insert(condition, [
        {"rule_set_id": 1, "subject": subject, "level": level, "key": key, "operator": operator, "value": value,
         "note": note, "version": 1} for subject, level, key, operator, value, note in CONDITIONS_2025])
    if op.get_bind().dialect.name == "postgresql":
        # The ids were given: the sequence must start after them.
        op.execute("SELECT setval(pg_get_serial_sequence('rating_rule_set', 'id'), 1)")


def downgrade():
    with op.batch_alter_table('rating_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rating_step_organization_rating_id'))
        batch_op.drop_index(batch_op.f('ix_rating_step_member_rating_id'))
        batch_op.drop_index(batch_op.f('ix_rating_step_at'))

    op.drop_table('rating_step')
    with op.batch_alter_table('organization_rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organization_rating_organization_id'))

    op.drop_table('organization_rating')
    with op.batch_alter_table('member_rating', schema=None) as batch_op:
        batch_op.drop_index('ix_member_rating_year_organization')
        batch_op.drop_index(batch_op.f('ix_member_rating_status'))

    op.drop_table('member_rating')
    with op.batch_alter_table('member_discipline', schema=None) as batch_op:
        batch_op.drop_index('ix_member_discipline_member_decided')
        batch_op.drop_index(batch_op.f('ix_member_discipline_decided_on'))

    op.drop_table('member_discipline')
    with op.batch_alter_table('rating_criterion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rating_criterion_rule_set_id'))

    op.drop_table('rating_criterion')
    with op.batch_alter_table('rating_condition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rating_condition_rule_set_id'))

    op.drop_table('rating_condition')
    op.drop_table('rating_rule_set')
