"""placement_counts: each warehouse's number of placements, kept exact by triggers on
location_variations (wms/models/inventory.py), so that a list's total is read, not counted.
Filled from the placements there are.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 08:00:00

"""
from alembic import op
import sqlalchemy as sa

from wms.models.inventory import COUNT_SLOTS, create_placement_count_triggers


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

TRIGGERS = ('placement_counts_insert', 'placement_counts_delete', 'placement_counts_update')


def upgrade():
    op.create_table('placement_counts',
    sa.Column('warehouse_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('slot', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('placements', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_placement_counts_warehouse_id_warehouses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('warehouse_id', 'slot', name=op.f('pk_placement_counts'))
    )
    op.execute(
        'INSERT INTO placement_counts (warehouse_id, slot, placements) '
        f'SELECT warehouse_id, id % {COUNT_SLOTS}, count(*) FROM location_variations '
        f'GROUP BY warehouse_id, id % {COUNT_SLOTS}')
    create_placement_count_triggers(op.get_bind())


def downgrade():
    bind = op.get_bind()
    for name in TRIGGERS:
        on = ' ON location_variations' if bind.dialect.name == 'postgresql' else ''
        op.execute(f'DROP TRIGGER {name}{on}')
    if bind.dialect.name == 'postgresql':
        op.execute('DROP FUNCTION placement_counts_change()')
    op.drop_table('placement_counts')
