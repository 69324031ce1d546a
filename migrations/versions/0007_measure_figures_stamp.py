"""measures.figures_stamp: changes with every change to a measure's figures

Revision ID: 0007_measure_figures_stamp
Revises: 0006_moderation
Create Date: 2026-11-22 09:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_measure_figures_stamp'
down_revision = '0006_moderation'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('measures', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('figures_stamp', sa.BigInteger(), server_default='0', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('measures', schema=None) as batch_op:
        batch_op.drop_column('figures_stamp')
