"""several programs in one deployment (issue 25): programs, their desa, memberships, forms per program

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04

Today's data becomes one program, ``utama`` (id 1): every contact a member of it with the role and area
it has, every report, round, invite, follow-up item, story selection, reminder, job and dashboard session
of it. Reports are unique per program (form, area, key, program: in this order, so the index still answers every
lookup by form, area and key): the same meeting sent for two programs
is two reports, matched by a fasilitator (``same_as``) so the forum counts it once.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

DEFAULT = 1
# the tables that gain the program they belong to (NULL: every program, where it means something)
NULLABLE = ('contacts', 'invites', 'jobs', 'rounds', 'sent_reminders', 'issue_items', 'story_selections',
            'web_sessions')
OLD_UNIQUE = {'postgresql': 'reports_form_id_area_code_key_key'}
SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _foreign_keys(on: bool) -> None:
    """SQLite rebuilds a table (contacts, reports) to add a foreign key or change its unique key while rows
    of other tables point at it; its DROP TABLE counts those as violations even with deferred checks. So the
    rebuilds run with foreign keys off, as SQLite's own ALTER TABLE recipe says: the pragma only changes
    outside a transaction, so the one begun by the first write is committed first (called only after a
    write). PostgreSQL alters in place: nothing to do."""
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(sa.text('COMMIT'))
        op.execute(sa.text(f'PRAGMA foreign_keys = {"ON" if on else "OFF"}'))


def upgrade() -> None:
    op.create_table(
        'programs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('agency', sa.String(length=120), nullable=True),
        sa.Column('start', sa.String(length=10), nullable=True),
        sa.Column('end', sa.String(length=10), nullable=True),
        sa.Column('settings', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'))
    programs = sa.table('programs', sa.column('code', sa.String()),
                        sa.column('name', sa.String()), sa.column('created_at', sa.DateTime(timezone=True)))
    now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    # the first row of a new table: id 1 (DEFAULT) on both databases, the PostgreSQL sequence moved past it
    op.execute(programs.insert().values(code='utama', name='Program utama', created_at=now))
    _foreign_keys(False)     # after the first write (see _foreign_keys)
    op.create_table(
        'program_areas',
        sa.Column('program_id', sa.Integer(), nullable=False),
        sa.Column('area_code', sa.String(length=13), nullable=False),
        sa.Column('ref', sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(['area_code'], ['areas.code']),
        sa.ForeignKeyConstraint(['program_id'], ['programs.id']),
        sa.PrimaryKeyConstraint('program_id', 'area_code'))
    op.create_table(
        'program_forms',
        sa.Column('program_id', sa.Integer(), nullable=False),
        sa.Column('form_id', sa.String(length=40), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['program_id'], ['programs.id']),
        sa.PrimaryKeyConstraint('program_id', 'form_id', 'role'))
    op.create_table(
        'memberships',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('program_id', sa.Integer(), nullable=True),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('area_code', sa.String(length=13), nullable=False),
        sa.Column('agency', sa.String(length=120), nullable=True),
        sa.Column('verified', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('approved_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['approved_by'], ['contacts.id']),
        sa.ForeignKeyConstraint(['area_code'], ['areas.code']),
        sa.ForeignKeyConstraint(['contact_id'], ['contacts.id']),
        sa.ForeignKeyConstraint(['program_id'], ['programs.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('contact_id', 'program_id', 'role', 'area_code'))
    op.create_index('ix_memberships_contact_id', 'memberships', ['contact_id'])
    op.create_table(
        'report_matches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('other_id', sa.Integer(), nullable=False),
        sa.Column('decision', sa.String(length=8), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['contact_id'], ['contacts.id']),
        sa.ForeignKeyConstraint(['other_id'], ['reports.id']),
        sa.ForeignKeyConstraint(['report_id'], ['reports.id']),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_report_matches_report_id', 'report_matches', ['report_id'])
    op.create_index('ix_memberships_program_id', 'memberships', ['program_id'])
    for table in NULLABLE:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('program_id', sa.Integer(), nullable=True))
            batch.create_foreign_key(f'fk_{table}_program_id', 'programs', ['program_id'], ['id'])
        op.execute(sa.text(f'UPDATE {table} SET program_id = {DEFAULT}'))
    bind = op.get_bind()
    dialect = bind.dialect.name
    with op.batch_alter_table('reports', naming_convention=SQLITE_NAMES if dialect == 'sqlite' else None) as batch:
        batch.add_column(sa.Column('program_id', sa.Integer(), server_default=str(DEFAULT), nullable=False))
        batch.add_column(sa.Column('same_as', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_reports_program_id', 'programs', ['program_id'], ['id'])
        batch.create_foreign_key('fk_reports_same_as', 'reports', ['same_as'], ['id'])
        batch.drop_constraint(OLD_UNIQUE.get(dialect, 'uq_reports_form_id'), type_='unique')
        batch.create_unique_constraint('uq_reports_program_key', ['form_id', 'area_code', 'key', 'program_id'])
    op.execute(sa.text(
        'INSERT INTO memberships (contact_id, program_id, role, area_code, agency, verified, approved_by, '
        f'created_at, disabled_at) SELECT id, {DEFAULT}, role, area_code, agency, verified, approved_by, '
        'created_at, disabled_at FROM contacts'))
    _foreign_keys(True)


def downgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    op.execute(sa.text(f'DELETE FROM reports WHERE program_id <> {DEFAULT}'))
    _foreign_keys(False)
    with op.batch_alter_table('reports') as batch:
        batch.drop_constraint('uq_reports_program_key', type_='unique')
        batch.create_unique_constraint(OLD_UNIQUE.get(dialect, 'uq_reports_form_id'), ['form_id', 'area_code', 'key'])
        batch.drop_constraint('fk_reports_same_as', type_='foreignkey')
        batch.drop_constraint('fk_reports_program_id', type_='foreignkey')
        batch.drop_column('same_as')
        batch.drop_column('program_id')
    for table in NULLABLE:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f'fk_{table}_program_id', type_='foreignkey')
            batch.drop_column('program_id')
    op.drop_index('ix_report_matches_report_id', table_name='report_matches')
    op.drop_table('report_matches')
    op.drop_index('ix_memberships_program_id', table_name='memberships')
    op.drop_index('ix_memberships_contact_id', table_name='memberships')
    op.drop_table('memberships')
    op.drop_table('program_forms')
    op.drop_table('program_areas')
    op.drop_table('programs')
    _foreign_keys(True)
