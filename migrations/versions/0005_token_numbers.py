"""Integer ids of personal tokens (oauth_token_numbers, oauth_access_tokens.number) and
oauth_access_tokens.last_used_at. Existing personal tokens get their numbers, oldest first.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    numbers = op.create_table('oauth_token_numbers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oauth_token_numbers')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('oauth_access_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('last_used_at', sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_oauth_access_tokens_number'), ['number'])
        batch_op.create_foreign_key(batch_op.f('fk_oauth_access_tokens_number_oauth_token_numbers'), 'oauth_token_numbers', ['number'], ['id'])
    _number_personal_tokens(numbers)


def _number_personal_tokens(numbers):
    """One number for each personal token there is, in the order they were made."""
    conn = op.get_bind()
    tokens = sa.table('oauth_access_tokens', sa.column('id', sa.String), sa.column('client_id', sa.Integer),
                      sa.column('created_at', sa.DateTime), sa.column('number', sa.Integer))
    clients = sa.table('oauth_clients', sa.column('id', sa.Integer),
                       sa.column('personal_access_client', sa.Boolean))
    personal = sa.select(clients.c.id).where(clients.c.personal_access_client == sa.true())
    rows = conn.execute(sa.select(tokens.c.id, tokens.c.created_at)
                        .where(tokens.c.client_id.in_(personal), tokens.c.number.is_(None))
                        .order_by(tokens.c.created_at, tokens.c.id)).all()
    for token_id, created_at in rows:
        number = conn.execute(numbers.insert().values(created_at=created_at)).inserted_primary_key[0]
        conn.execute(tokens.update().where(tokens.c.id == token_id).values(number=number))


def downgrade():
    with op.batch_alter_table('oauth_access_tokens', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_oauth_access_tokens_number_oauth_token_numbers'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_oauth_access_tokens_number'), type_='unique')
        batch_op.drop_column('last_used_at')
        batch_op.drop_column('number')
    op.drop_table('oauth_token_numbers')
