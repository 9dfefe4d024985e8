"""agencies with aliases, several responsible agencies per recommendation, the forum's changes in the history

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-04

OPD agencies become rows per kabupaten with aliases (storage/agencies.py); contacts and invites reference
one by ``agency_id``, recommendations their lead and co-responsible agencies in ``recommendation_agencies``.
The agency names typed before are grouped by matching aliases ("BPMD" joins
"Dinas Pemberdayaan Masyarakat dan Desa (BPMD)") and every reference is moved to its agency. A
recommendation may be merged into another by the kabupaten forum (``merged_into``); each event of its
history may say what the forum changed (``detail``).
"""
from datetime import datetime, timezone
from typing import Any

from alembic import op
import sqlalchemy as sa

revision = '0016'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'agencies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kab', sa.String(length=13), nullable=False),
        sa.Column('name', sa.String(length=160), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kab', 'name'))
    op.create_index('ix_agencies_kab', 'agencies', ['kab'])
    op.create_table(
        'agency_aliases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('kab', sa.String(length=13), nullable=False),
        sa.Column('alias', sa.String(length=160), nullable=False),
        sa.Column('norm', sa.String(length=160), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kab', 'norm'))
    op.create_index('ix_agency_aliases_agency_id', 'agency_aliases', ['agency_id'])
    op.create_table(
        'recommendation_agencies',
        sa.Column('recommendation_id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('lead', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id']),
        sa.ForeignKeyConstraint(['recommendation_id'], ['recommendations.id']),
        sa.PrimaryKeyConstraint('recommendation_id', 'agency_id'))
    op.create_index('ix_recommendation_agencies_agency_id', 'recommendation_agencies', ['agency_id'])
    # added in place, never by copying the table: on SQLite a copy drops the old table, which rows of other
    # tables reference (a column with REFERENCES may be added in place when it starts NULL)
    _add_reference('contacts', 'agency_id', 'agencies', 'fk_contacts_agency_id')
    op.create_index('ix_contacts_agency_id', 'contacts', ['agency_id'])
    _add_reference('invites', 'agency_id', 'agencies', 'fk_invites_agency_id')
    _add_reference('recommendations', 'merged_into', 'recommendations', 'fk_recommendations_merged_into')
    op.add_column('recommendation_events', sa.Column('detail', sa.Text(), nullable=True))
    # "ditangani_kecamatan" (19) never fitted VARCHAR(16): PostgreSQL refused every kecamatan-level
    # recommendation (SQLite does not check lengths, and a copy of the table is what must be avoided there)
    for table in ('recommendations', 'recommendation_events'):
        if op.get_bind().dialect.name != 'sqlite':
            op.alter_column(table, 'status', type_=sa.String(length=24), existing_type=sa.String(length=16),
                            existing_nullable=False)
    _agencies_from_free_text()


def _add_reference(table: str, column: str, target: str, name: str) -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f'ALTER TABLE {table} ADD COLUMN {column} INTEGER REFERENCES {target} (id)')
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(name, table, target, [column], ['id'])


def _agencies_from_free_text() -> None:
    from storage.agencies import group_names, norm
    bind = op.get_bind()
    contacts = sa.table('contacts', sa.column('id', sa.Integer()), sa.column('area_code', sa.String()),
                        sa.column('agency', sa.String()), sa.column('agency_id', sa.Integer()))
    invites = sa.table('invites', sa.column('code', sa.String()), sa.column('area_code', sa.String()),
                       sa.column('agency', sa.String()), sa.column('agency_id', sa.Integer()))
    recs = sa.table('recommendations', sa.column('id', sa.Integer()), sa.column('kec', sa.String()),
                    sa.column('agency', sa.String()))
    agencies = sa.table('agencies', sa.column('id', sa.Integer()), sa.column('kab', sa.String()),
                        sa.column('name', sa.String()), sa.column('created_at', sa.DateTime(timezone=True)))
    aliases = sa.table('agency_aliases', sa.column('agency_id', sa.Integer()), sa.column('kab', sa.String()),
                       sa.column('alias', sa.String()), sa.column('norm', sa.String()))
    links = sa.table('recommendation_agencies', sa.column('recommendation_id', sa.Integer()),
                     sa.column('agency_id', sa.Integer()), sa.column('lead', sa.Boolean()))
    used: list[tuple[str, str, str, Any]] = []     # (kind, kab, name, key)
    for kind, table, key, area in (("contact", contacts, contacts.c.id, contacts.c.area_code),
                                   ("invite", invites, invites.c.code, invites.c.area_code),
                                   ("rec", recs, recs.c.id, recs.c.kec)):
        for row in bind.execute(sa.select(key, area, table.c.agency).where(table.c.agency.is_not(None))):
            used.append((kind, str(row[1])[:5], str(row[2]), row[0]))
    now = datetime.now(timezone.utc)
    for kab in sorted({k for _, k, _, _ in used}):
        groups = group_names(n for _, k, n, _ in used if k == kab)
        ids: dict[str, tuple[int, str]] = {}          # norm of any spelling → (agency id, canonical name)
        for name, spellings in groups.items():
            agency_id: int = bind.execute(agencies.insert().values(kab=kab, name=name[:160], created_at=now)
                                     .returning(agencies.c.id)).scalar_one()
            for alias in spellings:
                if norm(alias) not in ids:
                    bind.execute(aliases.insert().values(agency_id=agency_id, kab=kab, alias=alias[:160],
                                                         norm=norm(alias)[:160]))
                    ids[norm(alias)] = (agency_id, name)
        for kind, k, name, key in used:
            if k != kab or norm(name) not in ids:
                continue
            agency_id, canonical = ids[norm(name)]
            if kind == "contact":
                bind.execute(contacts.update().where(contacts.c.id == key).values(agency_id=agency_id, agency=canonical))
            elif kind == "invite":
                bind.execute(invites.update().where(invites.c.code == key).values(agency_id=agency_id, agency=canonical))
            else:
                bind.execute(recs.update().where(recs.c.id == key).values(agency=canonical))
                bind.execute(links.insert().values(recommendation_id=key, agency_id=agency_id, lead=True))


def downgrade() -> None:
    # SQLite's references were added inline, unnamed: the copy of each table leaves them out; elsewhere they
    # are dropped by name. SQLite's copies of tables that other rows reference (contacts) run with foreign keys
    # off, its ALTER TABLE recipe; the pragma changes only outside a transaction, so the one the first write
    # began is committed first (as 0017 does)
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if not sqlite:
        for table in ('recommendations', 'recommendation_events'):
            op.alter_column(table, 'status', type_=sa.String(length=16), existing_type=sa.String(length=24),
                            existing_nullable=False)
    op.drop_index('ix_contacts_agency_id', table_name='contacts')
    if sqlite:
        op.execute(sa.text('COMMIT'))
        op.execute(sa.text('PRAGMA foreign_keys = OFF'))
    for table, column, name in (('recommendation_events', 'detail', None),
                                ('recommendations', 'merged_into', 'fk_recommendations_merged_into'),
                                ('invites', 'agency_id', 'fk_invites_agency_id'),
                                ('contacts', 'agency_id', 'fk_contacts_agency_id')):
        with op.batch_alter_table(table) as batch:
            if name and not sqlite:
                batch.drop_constraint(name, type_='foreignkey')
            batch.drop_column(column)
    op.drop_index('ix_recommendation_agencies_agency_id', table_name='recommendation_agencies')
    op.drop_table('recommendation_agencies')
    op.drop_index('ix_agency_aliases_agency_id', table_name='agency_aliases')
    op.drop_table('agency_aliases')
    op.drop_index('ix_agencies_kab', table_name='agencies')
    op.drop_table('agencies')
    if sqlite:
        op.execute(sa.text('PRAGMA foreign_keys = ON'))
