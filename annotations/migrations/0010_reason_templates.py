"""A few reasons to start from; moderators edit them in the admin (Reason templates)."""

from django.db import migrations

STARTERS = [
    ("Needs a source", "This states a fact without a source we can check. Add a source (with a page) and resubmit it."),
    ("Source does not say this", "The cited source does not support this; please check the page and resubmit."),
    ("Duplicate", "Another note or correction already says this about the same words."),
    ("Off topic", "This does not comment on the words it is attached to."),
    ("Advertising or spam", "Advertising or unrelated links."),
]


def create_starters(apps, schema_editor):
    ReasonTemplate = apps.get_model("annotations", "ReasonTemplate")
    for position, (label, text) in enumerate(STARTERS, start=1):
        # Never overwrite a template a site has edited.
        ReasonTemplate.objects.get_or_create(label=label, defaults={"text": text, "position": position * 10})


class Migration(migrations.Migration):
    dependencies = [("annotations", "0009_moderation_community")]

    operations = [migrations.RunPython(create_starters, migrations.RunPython.noop)]
