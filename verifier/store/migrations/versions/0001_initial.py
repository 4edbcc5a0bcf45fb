"""The store as it was before migrations: proofs, attempts, checks, moderation, images.

A database made by ``create_all`` before Alembic is stamped at this revision
(``verifier db upgrade`` does it) and upgraded from here.

Revision ID: 0001
Revises: None
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision: str | None = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('proofs',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('marketplace', sa.String(length=64), nullable=True),
    sa.Column('campaign', sa.String(length=128), nullable=True),
    sa.Column('worker_id', sa.String(length=128), nullable=False),
    sa.Column('worker_handle', sa.String(length=256), nullable=True),
    sa.Column('handle_key', sa.String(length=256), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('target', sa.String(length=2048), nullable=False),
    sa.Column('callback_url', sa.String(length=2048), nullable=True),
    sa.Column('proof', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('verdict', sa.JSON(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_attempt_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('attempt_count', sa.Integer(), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retries', sa.Integer(), nullable=False),
    sa.Column('moderated_by', sa.String(length=128), nullable=True),
    sa.Column('moderated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('moderation_note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proofs'))
    )
    op.create_index(op.f('ix_proofs_campaign_created_at'), 'proofs', ['campaign', 'created_at'], unique=False)
    op.create_index(op.f('ix_proofs_created_at'), 'proofs', ['created_at'], unique=False)
    op.create_index(op.f('ix_proofs_decided_at_queued_at'), 'proofs', ['decided_at', 'queued_at'], unique=False)
    op.create_index(op.f('ix_proofs_platform_action_created_at'), 'proofs', ['platform', 'action', 'created_at'], unique=False)
    op.create_index(op.f('ix_proofs_platform_handle_key'), 'proofs', ['platform', 'handle_key'], unique=False)
    op.create_index(op.f('ix_proofs_platform_worker_id'), 'proofs', ['platform', 'worker_id'], unique=False)
    op.create_index(op.f('ix_proofs_status_created_at'), 'proofs', ['status', 'created_at'], unique=False)
    op.create_table('attempts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('proof_id', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('verdict', sa.JSON(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['proof_id'], ['proofs.id'], name=op.f('fk_attempts_proof_id_proofs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempts'))
    )
    op.create_index(op.f('ix_attempts_proof_id'), 'attempts', ['proof_id'], unique=False)
    op.create_table('images',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('proof_id', sa.String(length=128), nullable=False),
    sa.Column('worker_id', sa.String(length=128), nullable=False),
    sa.Column('campaign', sa.String(length=128), nullable=True),
    sa.Column('handle', sa.String(length=256), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('phash', sa.String(length=16), nullable=False),
    sa.Column('dhash', sa.String(length=16), nullable=False),
    sa.Column('text_sig', sa.Text(), nullable=True),
    sa.Column('band0', sa.Integer(), nullable=False),
    sa.Column('band1', sa.Integer(), nullable=False),
    sa.Column('band2', sa.Integer(), nullable=False),
    sa.Column('band3', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['proof_id'], ['proofs.id'], name=op.f('fk_images_proof_id_proofs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_images')),
    sa.UniqueConstraint('proof_id', 'sha256', name=op.f('uq_images_proof_id_sha256'))
    )
    op.create_index(op.f('ix_images_band0'), 'images', ['band0'], unique=False)
    op.create_index(op.f('ix_images_band1'), 'images', ['band1'], unique=False)
    op.create_index(op.f('ix_images_band2'), 'images', ['band2'], unique=False)
    op.create_index(op.f('ix_images_band3'), 'images', ['band3'], unique=False)
    op.create_index(op.f('ix_images_sha256'), 'images', ['sha256'], unique=False)
    op.create_table('moderation_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('proof_id', sa.String(length=128), nullable=False),
    sa.Column('moderator', sa.String(length=128), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=False),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['proof_id'], ['proofs.id'], name=op.f('fk_moderation_log_proof_id_proofs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_log'))
    )
    op.create_index(op.f('ix_moderation_log_proof_id'), 'moderation_log', ['proof_id'], unique=False)
    op.create_table('checks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('attempt_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('proof_id', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_checks_attempt_id_attempts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checks'))
    )
    op.create_index(op.f('ix_checks_attempt_id'), 'checks', ['attempt_id'], unique=False)
    op.create_index(op.f('ix_checks_name_outcome'), 'checks', ['name', 'outcome'], unique=False)
    op.create_index(op.f('ix_checks_proof_id'), 'checks', ['proof_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_checks_proof_id'), table_name='checks')
    op.drop_index(op.f('ix_checks_name_outcome'), table_name='checks')
    op.drop_index(op.f('ix_checks_attempt_id'), table_name='checks')
    op.drop_table('checks')
    op.drop_index(op.f('ix_moderation_log_proof_id'), table_name='moderation_log')
    op.drop_table('moderation_log')
    op.drop_index(op.f('ix_images_sha256'), table_name='images')
    op.drop_index(op.f('ix_images_band3'), table_name='images')
    op.drop_index(op.f('ix_images_band2'), table_name='images')
    op.drop_index(op.f('ix_images_band1'), table_name='images')
    op.drop_index(op.f('ix_images_band0'), table_name='images')
    op.drop_table('images')
    op.drop_index(op.f('ix_attempts_proof_id'), table_name='attempts')
    op.drop_table('attempts')
    op.drop_index(op.f('ix_proofs_status_created_at'), table_name='proofs')
    op.drop_index(op.f('ix_proofs_platform_worker_id'), table_name='proofs')
    op.drop_index(op.f('ix_proofs_platform_handle_key'), table_name='proofs')
    op.drop_index(op.f('ix_proofs_platform_action_created_at'), table_name='proofs')
    op.drop_index(op.f('ix_proofs_decided_at_queued_at'), table_name='proofs')
    op.drop_index(op.f('ix_proofs_created_at'), table_name='proofs')
    op.drop_index(op.f('ix_proofs_campaign_created_at'), table_name='proofs')
    op.drop_table('proofs')
