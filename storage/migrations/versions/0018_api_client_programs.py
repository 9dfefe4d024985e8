"""api_clients.programs: a data API key narrowed to programs as well as areas (issue 26 on issue 25)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04

``programs``: the ids of the programs the key may read; NULL (every key made before) is every program.
"""
from alembic import op
import sqlalchemy as sa

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('api_clients', sa.Column('programs', sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column('api_clients', 'programs')
