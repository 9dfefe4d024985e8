"""who sent a photo fetched after the commit: told when it can never be fetched

Revision ID: 0010
Revises: 0004
Create Date: 2026-12-01

Media rows get ``channel`` and ``external_id`` (the sender of the message the photo came with): a
pending photo that fails for good (WhatsApp or Telegram) is answered with a request to send it again.
Rows stored before this revision have neither (nobody to tell).
"""
from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('media', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('external_id', sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('media', schema=None) as batch_op:
        batch_op.drop_column('external_id')
        batch_op.drop_column('channel')
