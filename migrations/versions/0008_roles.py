"""Users' roles as the 2019 clients read them (spatie's `roles` and `model_has_roles`, with the
`admin` and `user` roles, every user given the one its is_admin says), and users.address and
users.deleted_at (a deleted user keeps its row: the movements ledger names it).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 18:13:00

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

USER_MODEL_TYPE = 'App\\User'


def upgrade():
    roles = op.create_table('roles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('guard_name', sa.String(length=255), server_default='api', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roles')),
    sa.UniqueConstraint('name', name=op.f('uq_roles_name'))
    )
    op.create_table('model_has_roles',
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.Column('model_type', sa.String(length=255), nullable=False),
    sa.Column('model_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['model_id'], ['users.id'], name=op.f('fk_model_has_roles_model_id_users')),
    sa.ForeignKeyConstraint(['role_id'], ['roles.id'], name=op.f('fk_model_has_roles_role_id_roles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('role_id', 'model_id', 'model_type', name=op.f('pk_model_has_roles'))
    )
    with op.batch_alter_table('model_has_roles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_model_has_roles_model_id_model_type'), ['model_id', 'model_type'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))

    now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    op.bulk_insert(roles, [
        {'id': 1, 'name': 'admin', 'guard_name': 'api', 'created_at': now, 'updated_at': now},
        {'id': 2, 'name': 'user', 'guard_name': 'api', 'created_at': now, 'updated_at': now},
    ])
    if op.get_bind().dialect.name == 'postgresql':
        # The ids above were given, not drawn: move the sequence past them.
        op.execute("SELECT setval(pg_get_serial_sequence('roles', 'id'), 2)")
    # Every user gets the role its is_admin says (the 2019 app's menu needs one).
    op.execute(sa.text(
        'INSERT INTO model_has_roles (role_id, model_type, model_id) '
        'SELECT CASE WHEN is_admin THEN 1 ELSE 2 END, :model_type, id FROM users'
    ).bindparams(model_type=USER_MODEL_TYPE))


def downgrade():
    # Without deleted_at a deleted user would be a user again: leave them a password hash that
    # no password matches, so that they still cannot sign in.
    op.execute("UPDATE users SET password = '!deleted' WHERE deleted_at IS NOT NULL")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
        batch_op.drop_column('address')

    # Dropping the table drops its index too (MariaDB would not drop the index alone: the
    # foreign key on model_id needs it).
    op.drop_table('model_has_roles')
    op.drop_table('roles')
