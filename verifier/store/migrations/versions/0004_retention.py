"""Retention: the last re-check's state on each proof, re-verification batches and their items.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    # Batch mode: the same code on SQLite (whose ALTER TABLE cannot drop columns) and PostgreSQL.
    with op.batch_alter_table('proofs') as batch:
        batch.add_column(sa.Column('retention_state', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('retention_checked_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('retention_dropped_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('retention_held_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('retention_checks', sa.Integer(), server_default='0', nullable=False))
    op.create_index(op.f('ix_proofs_retention_dropped_at'), 'proofs', ['retention_dropped_at'], unique=False)
    op.create_table('reverify_batches',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('marketplace', sa.String(length=64), nullable=True),
    sa.Column('filters', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reverify_batches'))
    )
    op.create_index(op.f('ix_reverify_batches_marketplace'), 'reverify_batches', ['marketplace'], unique=False)
    op.create_table('reverify_items',
    sa.Column('batch_id', sa.String(length=36), nullable=False),
    sa.Column('proof_id', sa.String(length=128), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempt_id', _Id, nullable=True),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['reverify_batches.id'], name=op.f('fk_reverify_items_batch_id_reverify_batches')),
    sa.ForeignKeyConstraint(['proof_id'], ['proofs.id'], name=op.f('fk_reverify_items_proof_id_proofs')),
    sa.PrimaryKeyConstraint('batch_id', 'proof_id', name=op.f('pk_reverify_items'))
    )
    op.create_index(op.f('ix_reverify_items_batch_id_state'), 'reverify_items', ['batch_id', 'state'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_reverify_items_batch_id_state'), table_name='reverify_items')
    op.drop_table('reverify_items')
    op.drop_index(op.f('ix_reverify_batches_marketplace'), table_name='reverify_batches')
    op.drop_table('reverify_batches')
    op.drop_index(op.f('ix_proofs_retention_dropped_at'), table_name='proofs')
    with op.batch_alter_table('proofs') as batch:
        batch.drop_column('retention_checks')
        batch.drop_column('retention_held_at')
        batch.drop_column('retention_dropped_at')
        batch.drop_column('retention_checked_at')
        batch.drop_column('retention_state')
