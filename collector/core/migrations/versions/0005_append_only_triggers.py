"""append-only triggers: the audit log refuses UPDATE and DELETE, case history UPDATE

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 00:30:00

The hash chain shows tampering after the fact; these triggers stop the
application's own database account from rewriting or truncating the audit log
at all (a database administrator can still drop a trigger, and the chain then
still tells). Case events may be deleted only by the audited destruction of a
case past its retention period, so only their UPDATE is refused.
"""

from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION collector_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION collector_append_only()"
        )
        op.execute(
            "CREATE TRIGGER complaint_event_append_only BEFORE UPDATE ON complaint_event "
            "FOR EACH ROW EXECUTE FUNCTION collector_append_only()"
        )
        return
    for table, operation in (
        ("audit_event", "UPDATE"),
        ("audit_event", "DELETE"),
        ("complaint_event", "UPDATE"),
    ):
        op.execute(
            f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER complaint_event_append_only ON complaint_event")
        op.execute("DROP TRIGGER audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION collector_append_only()")
        return
    for name in ("audit_event_no_update", "audit_event_no_delete", "complaint_event_no_update"):
        op.execute(f"DROP TRIGGER {name}")
