from datetime import date, timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from promotions.models import (
    Brand,
    BrandMembership,
    Campaign,
    Entry,
    Identity,
    Person,
    Prize,
    Promotion,
    Status,
    Submission,
    SubmissionMedia,
)


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


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    email = factory.Sequence(lambda n: f"entrant{n}@example.com")
    email_normalized = factory.LazyAttribute(lambda p: p.email.lower())
    name = factory.Sequence(lambda n: f"Entrant {n}")
    birth_date = date(1990, 5, 17)
    country = "FR"


class IdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Identity

    person = factory.SubFactory(PersonFactory)
    provider = Identity.Provider.EMAIL
    subject = factory.LazyAttribute(lambda i: i.person.email_normalized)
    verified_at = factory.LazyFunction(timezone.now)


class EntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entry

    promotion = factory.SubFactory(PromotionFactory)
    person = factory.SubFactory(PersonFactory)
    slot = factory.Sequence(lambda n: f"s{n}")
    country = "FR"


class PrizeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prize

    promotion = factory.SubFactory(PromotionFactory, kind=Promotion.Kind.INSTANT_WIN)
    name = factory.Sequence(lambda n: f"Prize {n}")
    quantity = 1


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Submission

    promotion = factory.SubFactory(
        PromotionFactory, kind=Promotion.Kind.CONTEST, submission_media=SubmissionMedia.VIDEO
    )
    person = factory.SubFactory(PersonFactory)
    entry = factory.SubFactory(
        EntryFactory,
        promotion=factory.SelfAttribute("..promotion"),
        person=factory.SelfAttribute("..person"),
    )
    title = factory.Sequence(lambda n: f"Film {n}")
    media = SubmissionMedia.VIDEO
    video_url = factory.Sequence(lambda n: f"https://video.example.com/films/{n}")
    status = Submission.Status.APPROVED
