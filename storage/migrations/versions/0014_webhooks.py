"""webhook_subscriptions, webhook_marks: signed webhooks delivered through the outbox (issue 26)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04

A subscription names a URL, its signing secret (``whsec_…``, Standard Webhooks), the event types and the
area it covers. Deliveries are outbox rows of the channel "webhook", one per subscription and event.
``webhook_marks`` keeps the keys of events sent once for good (a round closed).
"""
from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'webhook_subscriptions',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('secret', sa.String(length=100), nullable=False),
        sa.Column('events', sa.JSON(), nullable=False),
        sa.Column('area_code', sa.String(length=13), nullable=False, server_default=''),
        sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        'webhook_marks',
        sa.Column('key', sa.String(length=200), primary_key=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('webhook_marks')
    op.drop_table('webhook_subscriptions')
