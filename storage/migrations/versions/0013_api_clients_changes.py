"""api_clients, api_calls, changes: keys for the data API, the audit of its calls, the change feed

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04

A key is stored as the SHA-256 of a high-entropy token (the token is shown once). Every report save,
revision, rejection and merge writes a ``changes`` row in its own transaction; on PostgreSQL the row carries
the writing transaction's id, so the feed serves only what lies below every running transaction.
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    big = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
    op.create_table(
        'api_clients',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False, unique=True),
        sa.Column('key_hint', sa.String(length=16), nullable=False),
        sa.Column('areas', sa.JSON(), nullable=False),
        sa.Column('scopes', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        'api_calls',
        sa.Column('id', big, primary_key=True),
        sa.Column('client_id', sa.Integer(), sa.ForeignKey('api_clients.id'), nullable=False),
        sa.Column('endpoint', sa.String(length=80), nullable=False),
        sa.Column('filters', sa.JSON(), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_api_calls_client', 'api_calls', ['client_id', 'at'])
    op.create_table(
        'changes',
        sa.Column('id', big, primary_key=True),
        sa.Column('txid', sa.BigInteger(), nullable=False, server_default='0'),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('area_code', sa.String(length=13), nullable=False),
        sa.Column('op', sa.String(length=8), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_changes_txid', 'changes', ['txid', 'id'])
    op.create_index('ix_changes_report_id', 'changes', ['report_id'])


def downgrade() -> None:
    op.drop_index('ix_changes_report_id', 'changes')
    op.drop_index('ix_changes_txid', 'changes')
    op.drop_table('changes')
    op.drop_index('ix_api_calls_client', 'api_calls')
    op.drop_table('api_calls')
    op.drop_table('api_clients')
