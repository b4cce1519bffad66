"""The ledger grows what scanners need: movements.scanned_at, .merged and .undo_of (one undo per
movement), indexes for history and occupancy (by location, user, client, time), and
idempotency_keys (the first answer to a re-sent scan).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 18:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('idempotency_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=255).with_variant(mysql.VARCHAR(length=255, collation='utf8mb4_bin'), 'mysql', 'mariadb'), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql', 'mariadb'), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('owner', 'key', name=op.f('uq_idempotency_keys_owner_key'))
    )
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_keys_expires_at'), ['expires_at'], unique=False)

    with op.batch_alter_table('movements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scanned_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('merged', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('undo_of', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_movements_undo_of'), ['undo_of'])
        batch_op.create_foreign_key(batch_op.f('fk_movements_undo_of_movements'), 'movements', ['undo_of'], ['id'])
        batch_op.create_index(batch_op.f('ix_movements_from_location_id'), ['from_location_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_movements_to_location_id'), ['to_location_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_movements_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_movements_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_movements_created_at'), ['created_at'], unique=False)


# The foreign keys whose columns 0006 indexed: (column, referred table).
INDEXED_KEYS = [('from_location_id', 'warehouse_locations'), ('to_location_id', 'warehouse_locations'),
                ('user_id', 'users'), ('client_id', 'oauth_clients')]


def downgrade():
    # MariaDB dropped the index it had made for each foreign key when 0006 indexed the column,
    # and refuses to drop an index a foreign key needs: drop the key, then the index, then make
    # the key again (which makes its own index again).
    mariadb = op.get_bind().dialect.name in ('mysql', 'mariadb')
    with op.batch_alter_table('movements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_movements_created_at'))
        for column, referred in INDEXED_KEYS:
            key = f'fk_movements_{column}_{referred}'
            if mariadb:
                batch_op.drop_constraint(key, type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_movements_{column}'))
            if mariadb:
                batch_op.create_foreign_key(key, referred, [column], ['id'])
        batch_op.drop_constraint(batch_op.f('fk_movements_undo_of_movements'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_movements_undo_of'), type_='unique')
        batch_op.drop_column('undo_of')
        batch_op.drop_column('merged')
        batch_op.drop_column('scanned_at')

    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_keys_expires_at'))
    op.drop_table('idempotency_keys')
