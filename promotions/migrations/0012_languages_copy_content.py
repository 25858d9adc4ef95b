"""Existing content is in the brand's language: copy each translated field's value into its
column for that language (``title`` → ``title_fr`` for a French brand), so pages read it
there and the other languages fall back to it. Brands in "pt" move to "pt-br"."""

from django.db import migrations

FIELDS = {
    "campaign": ("name", "description"),
    "promotion": (
        "title",
        "description",
        "image_alt",
        "cta_label",
        "official_rules",
        "privacy_notice",
        "marketing_text",
    ),
    "prize": ("name", "description"),
}
BRAND_PATH = {
    "campaign": "brand",
    "promotion": "campaign__brand",
    "prize": "promotion__campaign__brand",
}


def copy_content(apps, schema_editor):
    # "pt" (Portuguese) became "pt-br" (Portuguese, Brazil), the catalog the service ships.
    apps.get_model("promotions", "Brand").objects.filter(language="pt").update(language="pt-br")
    for model_name, fields in FIELDS.items():
        model = apps.get_model("promotions", model_name)
        path = BRAND_PATH[model_name] + "__language"
        for row in model.objects.values("pk", path, *fields).iterator():
            suffix = (row[path] or "en").replace("-", "_")
            updates = {f"{field}_{suffix}": row[field] for field in fields if row[field]}
            if updates:
                model.objects.filter(pk=row["pk"]).update(**updates)


class Migration(migrations.Migration):
    dependencies = [("promotions", "0011_languages")]

    operations = [migrations.RunPython(copy_content, migrations.RunPython.noop)]
