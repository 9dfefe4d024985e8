"""Webhooks narrowed to programs, and delivered in commit order (issue 26)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04

``webhook_subscriptions.programs``: the ids of the programs whose events a subscription gets; NULL (every
subscription made before) is every program. ``webhook_events``: events written in the transaction of their
change, moved into the outbox by the sender in the order their transactions committed. ``changes.kab``: the
kabupaten of each change (filled for the rows there are), so a key for a kabupaten or below reads its own
range of the change feed instead of scanning every change of the country.
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
    op.add_column('changes', sa.Column('kab', sa.String(5), nullable=True))
    op.execute("UPDATE changes SET kab = substr(area_code, 1, 5) WHERE length(area_code) >= 5")
    op.create_index('ix_changes_kab', 'changes', ['kab', 'txid', 'id'])


def downgrade() -> None:
    op.drop_index('ix_changes_kab', table_name='changes')
    op.drop_column('changes', 'kab')
    op.drop_table('webhook_events')
    op.drop_column('webhook_subscriptions', 'programs')
