"""Moderators, their sessions, and failed sign-ins (the review pages).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('moderators',
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_moderators'))
    )
    op.create_table('review_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('moderator', sa.String(length=128), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['moderator'], ['moderators.name'], name=op.f('fk_review_sessions_moderator_moderators')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_sessions'))
    )
    op.create_index(op.f('ix_review_sessions_expires_at'), 'review_sessions', ['expires_at'], unique=False)
    op.create_index(op.f('ix_review_sessions_moderator'), 'review_sessions', ['moderator'], unique=False)
    op.create_table('login_failures',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=128), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    op.create_index(op.f('ix_login_failures_username_at'), 'login_failures', ['username', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_login_failures_username_at'), table_name='login_failures')
    op.drop_table('login_failures')
    op.drop_index(op.f('ix_review_sessions_moderator'), table_name='review_sessions')
    op.drop_index(op.f('ix_review_sessions_expires_at'), table_name='review_sessions')
    op.drop_table('review_sessions')
    op.drop_table('moderators')
