"""session message counter, report roll-up columns, outbox provider id index

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

Sessions count the messages applied to them (``seq``): a lost update under concurrent workers
shows as a count lower than the messages stored. Reports get ``kab``, ``period``, ``men`` and
``women`` copied out of their JSON answers so a national roll-up is one indexed GROUP BY;
existing rows are filled in here.
"""
from collections.abc import Sequence
from typing import Any, cast

from alembic import op
import sqlalchemy as sa

from storage.rollup import draft_of, rollup_columns

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('draft_form', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('draft_area', sa.String(length=13), nullable=True))
        batch_op.create_index('ix_sessions_draft', ['draft_form', 'draft_area'], unique=False)
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kab', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('period', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('men', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('women', sa.Integer(), nullable=True))
        batch_op.create_index('ix_reports_rollup', ['form_id', 'kab', 'period', 'men', 'women'], unique=False)
    with op.batch_alter_table('outbox', schema=None) as batch_op:   # status callbacks look rows up by it
        batch_op.create_index('ix_outbox_provider_id', ['provider_id'], unique=False)
    conn = op.get_bind()
    reports = sa.table('reports', sa.column('id'), sa.column('area_code'), sa.column('key'), sa.column('answers', sa.JSON),
                       sa.column('kab'), sa.column('period'), sa.column('men'), sa.column('women'))
    # lightweight tables have untyped columns: the rows' types are stated here
    rows = cast("Sequence[sa.Row[int, str, str, dict[str, Any] | None]]", conn.execute(
        sa.select(reports.c.id, reports.c.area_code, reports.c.key, reports.c.answers)).all())
    for rid, area_code, key, answers in rows:
        conn.execute(reports.update().where(reports.c.id == rid).values(**rollup_columns(area_code, key, answers or {})))
    sessions = sa.table('sessions', sa.column('id'), sa.column('state', sa.JSON), sa.column('draft_form'),
                        sa.column('draft_area'))
    states = cast("Sequence[sa.Row[int, dict[str, Any] | None]]",
                  conn.execute(sa.select(sessions.c.id, sessions.c.state)).all())
    for sid, state in states:
        form, area = draft_of(state or {})
        if form:
            conn.execute(sessions.update().where(sessions.c.id == sid).values(draft_form=form, draft_area=area))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_provider_id')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_rollup')
        batch_op.drop_column('women')
        batch_op.drop_column('men')
        batch_op.drop_column('period')
        batch_op.drop_column('kab')
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_sessions_draft')
        batch_op.drop_column('draft_area')
        batch_op.drop_column('draft_form')
        batch_op.drop_column('seq')
