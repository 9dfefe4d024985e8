"""who may see and change what: verified contacts and reports, invite expiry, competing submissions

Revision ID: 0004
Revises: 0008
Create Date: 2026-12-01

Contacts get ``verified`` (a self-registered kader waits for approval), ``disabled_at`` and
``approved_by``. Invites get ``expires_at``, ``used_at`` (claimed atomically), ``revoked_at`` and
``extra`` (e.g. an agency). Reports get ``verified`` and ``competes_with`` / ``conflict`` (a
report sent under another person's key). Everything that exists already counts as verified.
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0005'   # chained at the merges: 0003 → 0007 → 0008 → 0005 → 0004
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('approved_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_contacts_approved_by', 'contacts', ['approved_by'], ['id'])
    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('used_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('extra', sa.JSON(), nullable=True))
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('competes_with', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('conflict', sa.String(length=12), nullable=True))
        batch_op.create_foreign_key('fk_reports_competes_with', 'reports', ['competes_with'], ['id'])
    op.execute("UPDATE invites SET used_at = created_at WHERE used_by IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_constraint('fk_reports_competes_with', type_='foreignkey')
        batch_op.drop_column('conflict')
        batch_op.drop_column('competes_with')
        batch_op.drop_column('verified')
    with op.batch_alter_table('invites', schema=None) as batch_op:
        for name in ('extra', 'revoked_at', 'used_at', 'expires_at'):
            batch_op.drop_column(name)
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_constraint('fk_contacts_approved_by', type_='foreignkey')
        for name in ('approved_by', 'disabled_at', 'verified'):
            batch_op.drop_column(name)
