"""Correction categories in three groups (errors, regularisations, gaps).

"language" goes: its corrections were wrong or garbled words, so they become
"wording" (a wrong word); the editors re-categorise their own in the apparatus.
Going back, every category the first edition did not have becomes "language".
"""

from django.db import migrations, models

FIRST_EDITION_CATEGORIES = ("factual", "date", "name")


def language_to_wording(apps, schema_editor):
    Correction = apps.get_model("annotations", "Correction")
    Correction.objects.filter(category="language").update(category="wording")


def back_to_language(apps, schema_editor):
    Correction = apps.get_model("annotations", "Correction")
    Correction.objects.exclude(category__in=FIRST_EDITION_CATEGORIES).update(category="language")


class Migration(migrations.Migration):

    dependencies = [
        ("annotations", "0002_moderation_groups"),
    ]

    operations = [
        migrations.AlterField(
            model_name="correction",
            name="category",
            field=models.CharField(
                choices=[
                    ("factual", "factual"), ("date", "date"), ("name", "name"), ("wording", "wording"),
                    ("spelling", "spelling"), ("transliteration", "transliteration"), ("title", "title"),
                    ("gap", "gap"),
                ],
                max_length=20,
            ),
        ),
        migrations.RunPython(language_to_wording, back_to_language),
    ]
