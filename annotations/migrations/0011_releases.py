"""Releases: citable versions of the edition, each a list of the stored versions of what readers saw (annotations/releases.py)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('annotations', '0010_reason_templates'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('reversion', '0002_add_index_on_version_for_content_type_and_db'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Release',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField(editable=False)),
                ('title', models.CharField(editable=False, max_length=300, verbose_name="the edition's title as released")),
                ('summary', models.TextField(help_text='What this version adds, changes or withdraws, in a sentence or two; readers see it.')),
                ('released_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('people', models.JSONField(default=dict, editable=False)),
                ('counts', models.JSONField(default=dict, editable=False)),
                ('essay', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='releases', to='annotations.essay')),
                ('released_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['essay', 'number'],
                'get_latest_by': 'number',
            },
        ),
        migrations.CreateModel(
            name='ReleaseItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('object_id', models.PositiveBigIntegerField()),
                ('content_type', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contenttypes.contenttype')),
                ('release', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='annotations.release')),
                ('version', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='reversion.version')),
            ],
        ),
        migrations.AddConstraint(
            model_name='release',
            constraint=models.UniqueConstraint(fields=('essay', 'number'), name='release_unique_number'),
        ),
        migrations.AddConstraint(
            model_name='releaseitem',
            constraint=models.UniqueConstraint(fields=('release', 'content_type', 'object_id'), name='release_item_unique'),
        ),
    ]
