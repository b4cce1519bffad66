"""location_variations.warehouse_id: each placement repeats its location's warehouse, kept true by
a foreign key on (warehouselocation_id, warehouse_id), with an index on (warehouse_id, id), so
that a warehouse's placements, in id order, are one index range (its list pages and its count).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 21:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('warehouse_locations', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_warehouse_locations_id_warehouse_id'),
                                          ['id', 'warehouse_id'])

    with op.batch_alter_table('location_variations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('warehouse_id', sa.Integer(), nullable=True))
    op.execute(
        'UPDATE location_variations SET warehouse_id = (SELECT warehouse_locations.warehouse_id '
        'FROM warehouse_locations '
        'WHERE warehouse_locations.id = location_variations.warehouselocation_id)')
    with op.batch_alter_table('location_variations', schema=None) as batch_op:
        batch_op.alter_column('warehouse_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index('ix_location_variations_warehouse_id_id',
                              ['warehouse_id', 'id'], unique=False)
        batch_op.create_foreign_key(
            'fk_location_variations_location_warehouse',
            'warehouse_locations', ['warehouselocation_id', 'warehouse_id'],
            ['id', 'warehouse_id'])


def downgrade():
    with op.batch_alter_table('location_variations', schema=None) as batch_op:
        batch_op.drop_constraint(
            'fk_location_variations_location_warehouse',
            type_='foreignkey')
        batch_op.drop_index('ix_location_variations_warehouse_id_id')
        batch_op.drop_column('warehouse_id')

    with op.batch_alter_table('warehouse_locations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_warehouse_locations_id_warehouse_id'),
                                 type_='unique')
