"""The catalog fields the 2019 clients read: products' provider, colors_es, family, parent_name
and activation_disabled; variations' stock, price and colour; colors, categories and
category_product. Movements keep their rows when a warehouse's (empty) locations are deleted:
their location ends become null (ON DELETE SET NULL).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

LOCATION_KEYS = ('from_location_id', 'to_location_id')


def upgrade():
    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('depends_id', sa.Integer(), server_default='0', nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories'))
    )
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_categories_depends_id'), ['depends_id'], unique=False)

    op.create_table('colors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_colors'))
    )
    op.create_table('category_product',
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_category_product_category_id_categories')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_category_product_product_id_products')),
    sa.PrimaryKeyConstraint('category_id', 'product_id', name=op.f('pk_category_product'))
    )
    with op.batch_alter_table('category_product', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_category_product_product_id'), ['product_id'], unique=False)

    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('colors_es', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('family', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('parent_name', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('activation_disabled', sa.Boolean(), nullable=True))

    with op.batch_alter_table('variations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stock', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('price', sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column('color_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_variations_color_id'), ['color_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_variations_color_id_colors'), 'colors', ['color_id'], ['id'])

    _location_keys(ondelete='SET NULL')


def _location_keys(ondelete):
    with op.batch_alter_table('movements', schema=None) as batch_op:
        for column in LOCATION_KEYS:
            name = batch_op.f(f'fk_movements_{column}_warehouse_locations')
            batch_op.drop_constraint(name, type_='foreignkey')
            batch_op.create_foreign_key(name, 'warehouse_locations', [column], ['id'],
                                        ondelete=ondelete)


def downgrade():
    _location_keys(ondelete=None)

    with op.batch_alter_table('variations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_variations_color_id_colors'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_variations_color_id'))
        batch_op.drop_column('color_id')
        batch_op.drop_column('price')
        batch_op.drop_column('stock')

    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('activation_disabled')
        batch_op.drop_column('parent_name')
        batch_op.drop_column('family')
        batch_op.drop_column('colors_es')
        batch_op.drop_column('provider')

    op.drop_table('category_product')  # and its indexes
    op.drop_table('colors')
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_categories_depends_id'))
    op.drop_table('categories')
