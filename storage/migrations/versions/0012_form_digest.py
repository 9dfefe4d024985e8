"""form_versions.digest: a start compares form definitions by digest

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04

Each stored form version keeps the SHA-256 of its definition (sorted JSON, storage/forms.py form_digest),
so a start reads (form_id, version, digest) and loads a definition only when its file differs. The
digests of the rows already stored are filled here; a row left without one is compared whole, as before.
"""
import hashlib

from alembic import op
import orjson
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('form_versions') as batch:
        batch.add_column(sa.Column('digest', sa.String(length=64), nullable=True))
    versions = sa.table('form_versions', sa.column('form_id', sa.String()), sa.column('version', sa.Integer()),
                        sa.column('definition', sa.JSON()), sa.column('digest', sa.String()))
    bind = op.get_bind()
    for form_id, version, definition in bind.execute(
            sa.select(versions.c.form_id, versions.c.version, versions.c.definition)).all():
        try:
            digest = hashlib.sha256(orjson.dumps(definition, option=orjson.OPT_SORT_KEYS)).hexdigest()
        except (TypeError, orjson.JSONEncodeError):
            continue
        bind.execute(versions.update().where(versions.c.form_id == form_id, versions.c.version == version)
                     .values(digest=digest))


def downgrade() -> None:
    with op.batch_alter_table('form_versions') as batch:
        batch.drop_column('digest')
