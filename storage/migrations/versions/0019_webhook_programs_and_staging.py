"""Webhooks narrowed to programs, and delivered in commit order (issue 26)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04

``webhook_subscriptions.programs``: the ids of the programs whose events a subscription gets; NULL (every
subscription made before) is every program. ``webhook_events``: events written in the transaction of their
change, moved into the outbox by the sender in the order their transactions committed.
"""
from alembic import op
import sqlalchemy as sa

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('webhook_subscriptions', sa.Column('programs', sa.JSON(), nullable=True))
    op.create_table(
        'webhook_events',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), primary_key=True),
        sa.Column('subscription_id', sa.Integer(), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('webhook_events')
    op.drop_column('webhook_subscriptions', 'programs')
