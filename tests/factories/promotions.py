from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from promotions.models import Brand, BrandMembership, Campaign, Promotion, Status


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffUserFactory(UserFactory):
    is_staff = True


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand

    slug = factory.Sequence(lambda n: f"brand-{n}")
    name = factory.Sequence(lambda n: f"Brand {n}")
    timezone = "Europe/Paris"
    language = "en"


class BrandMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BrandMembership

    brand = factory.SubFactory(BrandFactory)
    user = factory.SubFactory(StaffUserFactory)
    role = BrandMembership.Role.MANAGER


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    brand = factory.SubFactory(BrandFactory)
    slug = factory.Sequence(lambda n: f"campaign-{n}")
    name = factory.Sequence(lambda n: f"Campaign {n}")
    status = Status.ACTIVE
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))


class PromotionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Promotion

    campaign = factory.SubFactory(CampaignFactory)
    slug = factory.Sequence(lambda n: f"promotion-{n}")
    kind = Promotion.Kind.SWEEPSTAKES
    title = factory.Sequence(lambda n: f"Win prize {n}")
    description = "Enter for a chance to win."
    official_rules = "Open to residents aged 18 and over. One entry per person."
    status = Status.ACTIVE
    starts_at = factory.LazyAttribute(lambda p: p.campaign.starts_at)
    ends_at = factory.LazyAttribute(lambda p: p.campaign.ends_at)
