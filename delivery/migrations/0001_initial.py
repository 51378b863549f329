# Deployments, commits, incidents, API tokens and idempotency records move from the metrics app to
# delivery: only Django's state changes, the tables keep their names (Meta.db_table).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('collab', '0001_initial'),
        ('metrics', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='ApiToken',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=120, verbose_name='name')),
                        ('prefix', models.CharField(db_index=True, max_length=12)),
                        ('token_hash', models.CharField(max_length=64, unique=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('last_used_at', models.DateTimeField(blank=True, null=True)),
                        ('revoked_at', models.DateTimeField(blank=True, null=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='collab.membership')),
                        ('org', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to='collab.organisation')),
                    ],
                    options={
                        'db_table': 'metrics_apitoken',
                        'verbose_name': 'API token',
                        'verbose_name_plural': 'API tokens',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='Deployment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=128, verbose_name='key')),
                        ('environment', models.CharField(choices=[('production', 'Production'), ('staging', 'Staging'), ('test', 'Test')], max_length=16, verbose_name='environment')),
                        ('result', models.CharField(choices=[('success', 'Success'), ('failure', 'Failure')], max_length=16, verbose_name='result')),
                        ('finished_at', models.DateTimeField(verbose_name='finished at')),
                        ('source', models.CharField(blank=True, max_length=32, verbose_name='source')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('features', models.ManyToManyField(blank=True, related_name='deployments', to='collab.feature')),
                        ('org', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deployments', to='collab.organisation')),
                        ('team', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deployments', to='collab.team')),
                    ],
                    options={
                        'db_table': 'metrics_deployment',
                        'verbose_name': 'deployment',
                        'verbose_name_plural': 'deployments',
                        'ordering': ['id'],
                    },
                ),
                migrations.CreateModel(
                    name='Commit',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('sha', models.CharField(max_length=64, verbose_name='sha')),
                        ('authored_at', models.DateTimeField(verbose_name='authored at')),
                        ('deployment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='commits', to='delivery.deployment')),
                    ],
                    options={
                        'db_table': 'metrics_commit',
                        'verbose_name': 'commit',
                        'verbose_name_plural': 'commits',
                        'ordering': ['id'],
                    },
                ),
                migrations.CreateModel(
                    name='IdempotencyRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=200)),
                        ('endpoint', models.CharField(max_length=64)),
                        ('request_hash', models.CharField(max_length=64)),
                        ('status_code', models.PositiveSmallIntegerField()),
                        ('response', models.JSONField()),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('org', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='collab.organisation')),
                    ],
                    options={'db_table': 'metrics_idempotencyrecord'},
                ),
                migrations.CreateModel(
                    name='Incident',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=128, verbose_name='key')),
                        ('title', models.CharField(max_length=300, verbose_name='title')),
                        ('started_at', models.DateTimeField(verbose_name='started at')),
                        ('resolved_at', models.DateTimeField(blank=True, null=True, verbose_name='resolved at')),
                        ('source', models.CharField(blank=True, max_length=32, verbose_name='source')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('deployment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='incidents', to='delivery.deployment')),
                        ('org', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='incidents', to='collab.organisation')),
                        ('team', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='incidents', to='collab.team')),
                    ],
                    options={
                        'db_table': 'metrics_incident',
                        'verbose_name': 'incident',
                        'verbose_name_plural': 'incidents',
                        'ordering': ['id'],
                    },
                ),
                migrations.AddIndex(
                    model_name='deployment',
                    index=models.Index(fields=['org', 'finished_at'], name='metrics_dep_org_id_5c1ead_idx'),
                ),
                migrations.AddIndex(
                    model_name='deployment',
                    index=models.Index(fields=['team', 'finished_at'], name='metrics_dep_team_id_272c19_idx'),
                ),
                migrations.AddConstraint(
                    model_name='deployment',
                    constraint=models.UniqueConstraint(fields=('org', 'key'), name='deployment_unique_key_per_org'),
                ),
                migrations.AddConstraint(
                    model_name='idempotencyrecord',
                    constraint=models.UniqueConstraint(fields=('org', 'endpoint', 'key'), name='idempotency_unique_key'),
                ),
                migrations.AddIndex(
                    model_name='incident',
                    index=models.Index(fields=['org', 'started_at'], name='metrics_inc_org_id_931dd7_idx'),
                ),
                migrations.AddConstraint(
                    model_name='incident',
                    constraint=models.UniqueConstraint(fields=('org', 'key'), name='incident_unique_key_per_org'),
                ),
            ],
        ),
    ]
