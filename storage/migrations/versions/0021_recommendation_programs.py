"""recommendation_programs, issue_items.returned_from: follow-up items scoped by program (issues 24 and 25)

Revision ID: 0021
Revises: 0018
Create Date: 2026-12-04

A recommendation belongs to the programs of the desa needs it answers (several after the forum merged needs
of several programs). Issue items take their report's program (they were all left on the default one), and
remember the recommendation the forum returned them from, so the desa reads why.
"""
from alembic import op
import sqlalchemy as sa

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'recommendation_programs',
        sa.Column('recommendation_id', sa.Integer(), nullable=False),
        sa.Column('program_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['program_id'], ['programs.id']),
        sa.ForeignKeyConstraint(['recommendation_id'], ['recommendations.id']),
        sa.PrimaryKeyConstraint('recommendation_id', 'program_id'))
    op.create_index('ix_recommendation_programs_program_id', 'recommendation_programs', ['program_id'])
    with op.batch_alter_table('issue_items') as batch:
        batch.add_column(sa.Column('returned_from', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_issue_items_returned_from', 'recommendations', ['returned_from'], ['id'])
    op.execute(sa.text('UPDATE issue_items SET program_id = (SELECT reports.program_id FROM reports '
                       'WHERE reports.id = issue_items.report_id)'))
    op.execute(sa.text('INSERT INTO recommendation_programs (recommendation_id, program_id) '
                       'SELECT DISTINCT recommendation_id, program_id FROM issue_items '
                       'WHERE recommendation_id IS NOT NULL AND program_id IS NOT NULL'))
    # merged ones (their items went to the one they were merged into), then any left (returned): the
    # program of the fasilitator who made them, else the default one
    op.execute(sa.text('INSERT INTO recommendation_programs (recommendation_id, program_id) '
                       'SELECT DISTINCT r.id, i.program_id FROM recommendations r '
                       'JOIN issue_items i ON i.recommendation_id = r.merged_into '
                       'WHERE i.program_id IS NOT NULL AND r.id NOT IN '
                       '(SELECT recommendation_id FROM recommendation_programs)'))
    op.execute(sa.text('INSERT INTO recommendation_programs (recommendation_id, program_id) '
                       'SELECT r.id, COALESCE(c.program_id, 1) FROM recommendations r '
                       'LEFT JOIN contacts c ON c.id = r.created_by WHERE r.id NOT IN '
                       '(SELECT recommendation_id FROM recommendation_programs)'))


def downgrade() -> None:
    with op.batch_alter_table('issue_items') as batch:
        batch.drop_constraint('fk_issue_items_returned_from', type_='foreignkey')
        batch.drop_column('returned_from')
    op.drop_index('ix_recommendation_programs_program_id', table_name='recommendation_programs')
    op.drop_table('recommendation_programs')
