# The post-mortem's incident now belongs to the delivery app; same table, same column: state only.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('delivery', '0001_initial'),
        ('rituals', '0003_pulse_one_per_person'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='postmortem',
                    name='incident',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='postmortems', to='delivery.incident'),
                ),
            ],
        ),
    ]
