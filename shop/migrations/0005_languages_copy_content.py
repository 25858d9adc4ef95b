"""Existing shop content is in the brand's language: copy it into that language's column."""

from django.db import migrations

FIELDS = {"product": ("title", "description"), "offer": ("name",)}


def copy_content(apps, schema_editor):
    for model_name, fields in FIELDS.items():
        model = apps.get_model("shop", model_name)
        for row in model.objects.values("pk", "brand__language", *fields).iterator():
            suffix = (row["brand__language"] or "en").replace("-", "_")
            updates = {f"{field}_{suffix}": row[field] for field in fields if row[field]}
            if updates:
                model.objects.filter(pk=row["pk"]).update(**updates)


class Migration(migrations.Migration):
    dependencies = [("shop", "0004_languages")]

    operations = [migrations.RunPython(copy_content, migrations.RunPython.noop)]
