"""the learning loop: issue items, recommendations and their history, OPD agencies, story selections

Revision ID: 0007
Revises: 0003
Create Date: 2026-12-01

Issue items are the monitoring activities that need follow-up; a fasilitator merges them into
recommendations, carried to an OPD (agency) of the kabupaten, whose every status change is kept
with who and when. Contacts and invites get an ``agency`` (OPD). Story selections record each
panel's choice of a story of change, level by level, with its reasons.
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agency', sa.String(length=120), nullable=True))
    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agency', sa.String(length=120), nullable=True))
    op.create_table(
        'recommendations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kec', sa.String(length=13), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('level', sa.String(length=12), nullable=False),
        sa.Column('agency', sa.String(length=120), nullable=True),
        sa.Column('target', sa.String(length=10), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by'], ['contacts.id']),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_recommendations_kec', 'recommendations', ['kec'])
    op.create_index('ix_recommendations_agency', 'recommendations', ['agency'])
    op.create_table(
        'issue_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('activity_index', sa.Integer(), nullable=False),
        sa.Column('area_code', sa.String(length=13), nullable=False),
        sa.Column('round', sa.String(length=80), nullable=True),
        sa.Column('activity', sa.String(length=200), nullable=False),
        sa.Column('problem', sa.Text(), nullable=False),
        sa.Column('support', sa.Text(), nullable=False),
        sa.Column('support_from', sa.String(length=200), nullable=False),
        sa.Column('recommendation_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['report_id'], ['reports.id']),
        sa.ForeignKeyConstraint(['recommendation_id'], ['recommendations.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('report_id', 'activity_index'))
    op.create_index('ix_issue_items_area_code', 'issue_items', ['area_code'])
    op.create_index('ix_issue_items_recommendation_id', 'issue_items', ['recommendation_id'])
    op.create_table(
        'recommendation_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('recommendation_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['recommendation_id'], ['recommendations.id']),
        sa.ForeignKeyConstraint(['contact_id'], ['contacts.id']),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_recommendation_events_recommendation_id', 'recommendation_events', ['recommendation_id'])
    op.create_table(
        'story_selections',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.String(length=12), nullable=False),
        sa.Column('area_code', sa.String(length=13), nullable=False),
        sa.Column('decision', sa.String(length=12), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('panel', sa.Text(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['report_id'], ['reports.id']),
        sa.ForeignKeyConstraint(['contact_id'], ['contacts.id']),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_story_selections_report_id', 'story_selections', ['report_id'])
    op.create_index('ix_story_selections_area_code', 'story_selections', ['area_code'])


def downgrade() -> None:
    op.drop_table('story_selections')
    op.drop_table('recommendation_events')
    op.drop_table('issue_items')
    op.drop_table('recommendations')
    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.drop_column('agency')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_column('agency')
