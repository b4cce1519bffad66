"""Authorization codes (Passport's table, plus the redirect URI, PKCE challenge and the token
each code gave).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 16:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('oauth_auth_codes',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.Column('redirect_uri', sa.Text(), nullable=True),
    sa.Column('code_challenge', sa.String(length=128), nullable=True),
    sa.Column('code_challenge_method', sa.String(length=10), nullable=True),
    sa.Column('access_token_id', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['oauth_clients.id'], name=op.f('fk_oauth_auth_codes_client_id_oauth_clients')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_oauth_auth_codes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oauth_auth_codes'))
    )
    with op.batch_alter_table('oauth_auth_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oauth_auth_codes_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oauth_auth_codes_user_id'), ['user_id'], unique=False)


def downgrade():
    # Dropping the table drops its indexes (MariaDB refuses to drop an index a foreign key uses).
    op.drop_table('oauth_auth_codes')
