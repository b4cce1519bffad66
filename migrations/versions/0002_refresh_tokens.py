"""Refresh tokens (Passport's table, plus the rotation family for reuse detection).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 13:09:58.027927

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('oauth_refresh_tokens',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('access_token_id', sa.String(length=100), nullable=False),
    sa.Column('family_id', sa.String(length=100), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['access_token_id'], ['oauth_access_tokens.id'], name=op.f('fk_oauth_refresh_tokens_access_token_id_oauth_access_tokens')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oauth_refresh_tokens'))
    )
    with op.batch_alter_table('oauth_refresh_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oauth_refresh_tokens_access_token_id'), ['access_token_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oauth_refresh_tokens_family_id'), ['family_id'], unique=False)


def downgrade():
    # Dropping the table drops its indexes (MariaDB refuses to drop an index a foreign key uses).
    op.drop_table('oauth_refresh_tokens')
