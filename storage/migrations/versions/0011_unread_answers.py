"""answers the bot could not read, counted for `pantau kata`

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04

One row per unread answer: the question, the desa, the day and the normalised text (lowercase, phone
numbers and long digit runs masked, at most 80 characters); who sent it is not kept.
"""
from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'unread_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('question', sa.String(length=120), nullable=False),
        sa.Column('area_code', sa.String(length=13), nullable=False),
        sa.Column('day', sa.String(length=10), nullable=False),
        sa.Column('text', sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_unread_answers_area_day', 'unread_answers', ['area_code', 'day'])


def downgrade() -> None:
    op.drop_index('ix_unread_answers_area_day', table_name='unread_answers')
    op.drop_table('unread_answers')
