# The raw event table keeps no index on PostgreSQL: SeenEvent already guarantees that an
# event id is stored once, reports read the rollups, and every index on this table is paid
# for by each ingested event. Partitions by month remain (pruning and expiry by month).

from django.db import migrations


def drop_primary_key(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE tracking_event DROP CONSTRAINT IF EXISTS tracking_event_pkey")


def restore_primary_key(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE tracking_event ADD PRIMARY KEY (event_id, ts)")


class Migration(migrations.Migration):
    dependencies = [("tracking", "0002_events_and_rollups")]

    operations = [migrations.RunPython(drop_primary_key, restore_primary_key)]
