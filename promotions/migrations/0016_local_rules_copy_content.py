"""Existing local rules texts are in the brand's language: copy each one into its column
for that language (``official_rules`` → ``official_rules_fr`` for a French brand), so the
rules page reads it there and the other languages fall back to it, as
0012_languages_copy_content did for the other translated fields."""

from django.db import migrations


def copy_content(apps, schema_editor):
    rule_model = apps.get_model("promotions", "PromotionCountryRule")
    path = "promotion__campaign__brand__language"
    rows = rule_model.objects.exclude(official_rules="").values("pk", path, "official_rules")
    for row in rows.iterator():
        suffix = (row[path] or "en").replace("-", "_")
        rule_model.objects.filter(pk=row["pk"]).update(
            **{f"official_rules_{suffix}": row["official_rules"]}
        )


class Migration(migrations.Migration):
    dependencies = [("promotions", "0015_local_rules_languages")]

    operations = [migrations.RunPython(copy_content, migrations.RunPython.noop)]
