"""dashboard login links and sessions; inbound looked up by sender

Revision ID: 0008
Revises: 0003
Create Date: 2026-12-01

The coordinator dashboard (bot/web) opens from a one-time link sent in the chat; the link's hash
and the sessions it opens are kept here. "Belum melapor" shows each kader's last message time:
an index on inbound (external_id, received_at) answers that without scanning every message.
"""
from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'web_login_links',
        sa.Column('token_hash', sa.String(length=64), primary_key=True),
        sa.Column('contact_id', sa.Integer(), sa.ForeignKey('contacts.id'), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_web_login_links_contact_id', 'web_login_links', ['contact_id'])
    op.create_table(
        'web_sessions',
        sa.Column('id', sa.String(length=64), primary_key=True),
        sa.Column('contact_id', sa.Integer(), sa.ForeignKey('contacts.id'), nullable=False),
        sa.Column('lang', sa.String(length=5), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_web_sessions_contact_id', 'web_sessions', ['contact_id'])
    op.create_index('ix_inbound_sender', 'inbound', ['external_id', 'received_at'])


def downgrade() -> None:
    op.drop_index('ix_inbound_sender', table_name='inbound')
    op.drop_index('ix_web_sessions_contact_id', table_name='web_sessions')
    op.drop_table('web_sessions')
    op.drop_index('ix_web_login_links_contact_id', table_name='web_login_links')
    op.drop_table('web_login_links')
