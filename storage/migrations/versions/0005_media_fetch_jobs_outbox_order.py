"""media fetched after the commit, coordinator jobs, outbox per-recipient index

Revision ID: 0005
Revises: 0008 (after the merge with main; given 0003)
Create Date: 2026-12-01

Media rows get a status (pending → stored | failed), the URL a pending file is fetched from, its
attempts, backoff and content hash: a WhatsApp photo is recorded in its message's transaction and
downloaded afterwards. ``jobs`` holds coordinator requests (summary chart, Excel export) recorded in
the message's transaction and rendered afterwards by one elected worker. The outbox gets an index by
recipient: the send loop keeps each person's replies in order.
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0008'   # chained after main's 0008 at the merge (given: 0003)
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('media', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=10), server_default='stored', nullable=False))
        batch_op.add_column(sa.Column('url', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('fetch_after', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('content_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('error', sa.Text(), nullable=True))
    op.create_table(
        'jobs',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), primary_key=True),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('external_id', sa.String(length=80), nullable=False),
        sa.Column('contact_id', sa.Integer(), sa.ForeignKey('contacts.id'), nullable=False),
        sa.Column('lang', sa.String(length=5), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
    )
    op.create_index('ix_jobs_status', 'jobs', ['status', 'id'])
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_recipient', ['channel', 'external_id', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_recipient')
    op.drop_index('ix_jobs_status', table_name='jobs')
    op.drop_table('jobs')
    with op.batch_alter_table('media', schema=None) as batch_op:
        for name in ('error', 'content_sha256', 'fetch_after', 'attempts', 'url', 'status'):
            batch_op.drop_column(name)
