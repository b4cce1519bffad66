"""Admin clients: the client-credentials tokens of a client made with `--admin` may manage
users.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('oauth_clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('admin', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('oauth_clients', schema=None) as batch_op:
        batch_op.drop_column('admin')
