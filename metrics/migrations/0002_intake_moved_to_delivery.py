# Deployments, commits, incidents, API tokens and idempotency records now belong to the delivery app
# (delivery/migrations/0001_initial.py): the metrics app forgets them, the tables stay.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('delivery', '0001_initial'),
        ('metrics', '0001_initial'),
        ('rituals', '0004_postmortem_incident_in_delivery'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='Commit'),
                migrations.DeleteModel(name='Incident'),
                migrations.DeleteModel(name='IdempotencyRecord'),
                migrations.DeleteModel(name='ApiToken'),
                migrations.DeleteModel(name='Deployment'),
            ],
        ),
    ]
