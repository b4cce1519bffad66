"""Initial schema: the legacy Laravel tables (stores, warehouses, locations, catalog,
placements), the movements ledger, users, and Passport's clients and access tokens.

Booleans default with sa.true()/sa.false() so the same DDL runs on SQLite and PostgreSQL.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 12:06:04.671335

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def exact_string(length):
    """Compared byte for byte on MariaDB too, as on SQLite and PostgreSQL."""
    return sa.String(length).with_variant(
        mysql.VARCHAR(length, collation='utf8mb4_bin'), 'mysql', 'mariadb')


def upgrade():
    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('internal_reference', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('internal_reference', name=op.f('uq_products_internal_reference'))
    )
    op.create_table('stores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stores'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('password', sa.String(length=255), nullable=False),
    sa.Column('is_admin', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('images',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('file', sa.String(length=255), nullable=False),
    sa.Column('order', sa.Integer(), nullable=False),
    sa.Column('color_id', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_images_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_images'))
    )
    with op.batch_alter_table('images', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_images_product_id'), ['product_id'], unique=False)

    op.create_table('oauth_clients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('secret', sa.String(length=255), nullable=True),
    sa.Column('redirect', sa.Text(), nullable=False),
    sa.Column('personal_access_client', sa.Boolean(), nullable=False),
    sa.Column('password_client', sa.Boolean(), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_oauth_clients_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oauth_clients'))
    )
    with op.batch_alter_table('oauth_clients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oauth_clients_user_id'), ['user_id'], unique=False)

    op.create_table('variations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('sku', exact_string(64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_variations_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_variations')),
    sa.UniqueConstraint('sku', name=op.f('uq_variations_sku'))
    )
    with op.batch_alter_table('variations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_variations_product_id'), ['product_id'], unique=False)

    op.create_table('warehouses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_warehouses_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warehouses'))
    )
    with op.batch_alter_table('warehouses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_warehouses_store_id'), ['store_id'], unique=False)

    op.create_table('oauth_access_tokens',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['oauth_clients.id'], name=op.f('fk_oauth_access_tokens_client_id_oauth_clients')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_oauth_access_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oauth_access_tokens'))
    )
    with op.batch_alter_table('oauth_access_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oauth_access_tokens_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oauth_access_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('warehouse_locations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('rack', sa.Integer(), nullable=False),
    sa.Column('block', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('side', sa.Integer(), nullable=False),
    sa.Column('mapped_string', exact_string(32), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_warehouse_locations_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warehouse_locations')),
    sa.UniqueConstraint('warehouse_id', 'mapped_string', name=op.f('uq_warehouse_locations_warehouse_id_mapped_string'))
    )
    with op.batch_alter_table('warehouse_locations', schema=None) as batch_op:
        batch_op.create_index('ix_warehouse_locations_warehouse_id_rack', ['warehouse_id', 'rack'], unique=False)

    op.create_table('location_variations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('warehouselocation_id', sa.Integer(), nullable=False),
    sa.Column('variation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_location_variations_user_id_users')),
    sa.ForeignKeyConstraint(['variation_id'], ['variations.id'], name=op.f('fk_location_variations_variation_id_variations')),
    sa.ForeignKeyConstraint(['warehouselocation_id'], ['warehouse_locations.id'], name=op.f('fk_location_variations_warehouselocation_id_warehouse_locations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_location_variations')),
    sa.UniqueConstraint('warehouselocation_id', 'variation_id', name=op.f('uq_location_variations_warehouselocation_id_variation_id'))
    )
    with op.batch_alter_table('location_variations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_location_variations_variation_id'), ['variation_id'], unique=False)

    op.create_table('movements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('variation_id', sa.Integer(), nullable=False),
    sa.Column('from_location_id', sa.Integer(), nullable=True),
    sa.Column('to_location_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['oauth_clients.id'], name=op.f('fk_movements_client_id_oauth_clients')),
    sa.ForeignKeyConstraint(['from_location_id'], ['warehouse_locations.id'], name=op.f('fk_movements_from_location_id_warehouse_locations')),
    sa.ForeignKeyConstraint(['to_location_id'], ['warehouse_locations.id'], name=op.f('fk_movements_to_location_id_warehouse_locations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_movements_user_id_users')),
    sa.ForeignKeyConstraint(['variation_id'], ['variations.id'], name=op.f('fk_movements_variation_id_variations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_movements'))
    )
    with op.batch_alter_table('movements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_movements_variation_id'), ['variation_id'], unique=False)



def downgrade():
    # Dropping a table drops its indexes; MariaDB refuses to drop an index a foreign key uses.
    for table in ('movements', 'location_variations', 'warehouse_locations',
                  'oauth_access_tokens', 'warehouses', 'variations', 'oauth_clients', 'images',
                  'users', 'stores', 'products'):
        op.drop_table(table)
