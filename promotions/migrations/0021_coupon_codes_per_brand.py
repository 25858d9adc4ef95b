"""Coupon codes are unique within a brand, not across every brand: each code records its
promotion's brand, and ``(brand, code)`` is the unique key."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def brands_fill(apps, schema_editor):
    CouponCode = apps.get_model("promotions", "CouponCode")
    Promotion = apps.get_model("promotions", "Promotion")
    CouponCode.objects.update(
        brand_id=Subquery(
            Promotion.objects.filter(pk=OuterRef("promotion_id")).values("campaign__brand_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [("promotions", "0020_hebrew")]

    operations = [
        migrations.AddField(
            model_name="couponcode",
            name="brand",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="coupon_codes",
                to="promotions.brand",
            ),
        ),
        migrations.RunPython(brands_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="couponcode",
            name="brand",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="coupon_codes",
                to="promotions.brand",
            ),
        ),
        migrations.AlterField(
            model_name="couponcode", name="code", field=models.CharField(max_length=40)
        ),
        migrations.AddConstraint(
            model_name="couponcode",
            constraint=models.UniqueConstraint(
                fields=("brand", "code"), name="uniq_code_per_brand"
            ),
        ),
    ]
