import hashlib
import secrets
from datetime import date, timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from promotions.draws import fairdraw
from promotions.models import (
    AlertIncident,
    AlertRule,
    Brand,
    BrandMembership,
    Campaign,
    ConnectedPage,
    Consent,
    ConsentText,
    CouponCode,
    DataDeletionRequest,
    Draw,
    DrawReplacement,
    Entry,
    Flag,
    Identity,
    JuryScore,
    Person,
    Prize,
    PrizeAward,
    PrizeClaim,
    Promotion,
    PromotionCountryRule,
    SocialComment,
    SocialReply,
    SocialReplyAttempt,
    SocialRules,
    SocialSource,
    Status,
    Submission,
    SubmissionMedia,
    Vote,
    WebhookDelivery,
    WinningMoment,
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


class PromotionCountryRuleFactory(factory.django.DjangoModelFactory):
    """A local rule: residents of Germany must be 21."""

    class Meta:
        model = PromotionCountryRule

    promotion = factory.SubFactory(PromotionFactory)
    country = "DE"
    min_age = 21


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


class ConsentTextFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentText

    kind = ConsentText.Kind.OFFICIAL_RULES
    text = factory.Sequence(lambda n: f"Official rules, version {n}.")
    version = factory.LazyAttribute(lambda c: hashlib.sha256(c.text.encode()).hexdigest())


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    person = factory.SubFactory(PersonFactory)
    promotion = factory.SubFactory(PromotionFactory)
    text = factory.SubFactory(ConsentTextFactory)
    given_at = factory.LazyFunction(timezone.now)


class FlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Flag

    entry = factory.SubFactory(EntryFactory, flagged=True)
    kind = Flag.Kind.MANUAL
    reason = "Looks like a second account."


class WinningMomentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WinningMoment

    prize = factory.SubFactory(PrizeFactory)
    at = factory.LazyFunction(timezone.now)


class PrizeAwardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PrizeAward

    prize = factory.SubFactory(PrizeFactory, awarded=1)
    entry = factory.SubFactory(EntryFactory, promotion=factory.SelfAttribute("..prize.promotion"))
    unit = 1
    awarded_at = factory.LazyFunction(timezone.now)


class CouponCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CouponCode

    promotion = factory.SubFactory(PromotionFactory, kind=Promotion.Kind.OFFER)
    brand = factory.SelfAttribute("promotion.campaign.brand")
    code = factory.Sequence(lambda n: f"CODE-{n:06d}")


class VoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vote

    submission = factory.SubFactory(SubmissionFactory)
    promotion = factory.SelfAttribute("submission.promotion")
    person = factory.SubFactory(PersonFactory)
    day = factory.LazyFunction(lambda: timezone.now().date())


class JuryScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JuryScore

    submission = factory.SubFactory(SubmissionFactory)
    juror = factory.SubFactory(StaffUserFactory)
    score = 7


class DrawFactory(factory.django.DjangoModelFactory):
    """A committed draw (seed secret, commitment published), as ``draw_commit`` makes it."""

    class Meta:
        model = Draw

    promotion = factory.SubFactory(PromotionFactory)
    seed = factory.LazyFunction(lambda: secrets.token_hex(32))
    seed_commitment = factory.LazyAttribute(lambda d: fairdraw.sha256_hex(bytes.fromhex(d.seed)))
    committed_at = factory.LazyFunction(timezone.now)
    winners_count = 1
    alternates_count = 3


class DrawReplacementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DrawReplacement

    draw = factory.SubFactory(DrawFactory, status=Draw.Status.DRAWN)
    replaced_entry = factory.Sequence(lambda n: f"{n:016x}")
    replacement_entry = factory.Sequence(lambda n: f"{n + 1:016x}")
    reason = "The winner could not be reached."
    replaced_at = factory.LazyFunction(timezone.now)


class DataDeletionRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataDeletionRequest

    confirmation_code = factory.Sequence(lambda n: f"del{n:010d}")
    person = factory.SubFactory(PersonFactory)
    requested_at = factory.LazyFunction(timezone.now)


class AlertRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AlertRule

    campaign = factory.SubFactory(CampaignFactory)
    kind = AlertRule.Kind.CTR_BELOW
    threshold = 0.05


class AlertIncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AlertIncident

    rule = factory.SubFactory(AlertRuleFactory)
    opened_at = factory.LazyFunction(timezone.now)
    message = "CTR 2.0% is below 5.0% over the last 1,000 impressions."


class ConnectedPageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConnectedPage

    brand = factory.SubFactory(BrandFactory)
    page_id = factory.Sequence(lambda n: f"{1000000 + n}")
    name = factory.Sequence(lambda n: f"Page {n}")
    access_token = factory.Sequence(lambda n: f"page-token-{n}")
    connected_at = factory.LazyFunction(timezone.now)


class PrizeClaimFactory(factory.django.DjangoModelFactory):
    """An open claim of a draw's winner, told by email, seven days to answer."""

    class Meta:
        model = PrizeClaim

    entry = factory.SubFactory(EntryFactory)
    promotion = factory.SelfAttribute("entry.promotion")
    draw = factory.SubFactory(
        DrawFactory, promotion=factory.SelfAttribute("..promotion"), status=Draw.Status.DRAWN
    )
    deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    created_at = factory.LazyFunction(timezone.now)


# --- Comment and reaction giveaways (promotions.social) ---------------------------------


class SocialRulesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SocialRules

    promotion = factory.SubFactory(PromotionFactory)


class SocialSourceFactory(factory.django.DjangoModelFactory):
    """A Facebook post of a Page of the promotion's brand."""

    class Meta:
        model = SocialSource

    promotion = factory.SubFactory(PromotionFactory)
    page = factory.SubFactory(
        ConnectedPageFactory, brand=factory.SelfAttribute("..promotion.campaign.brand")
    )
    platform = "facebook"
    object_id = factory.LazyAttributeSequence(lambda s, n: f"{s.page.page_id}_{5000 + n}")


class SocialCommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SocialComment

    source = factory.SubFactory(SocialSourceFactory)
    platform = factory.SelfAttribute("source.platform")
    comment_id = factory.Sequence(lambda n: f"{5000 + n}_{9000 + n}")
    author_id = factory.Sequence(lambda n: f"{7000 + n}")
    text = "Count me in!"
    created_time = factory.LazyFunction(timezone.now)
    status = "excluded"
    reason = "after_close"
    rule_reason = "after_close"


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookDelivery

    body = factory.Sequence(lambda n: f'{{"object": "page", "entry": [], "n": {n}}}')
    body_hash = factory.LazyAttribute(lambda d: hashlib.sha256(d.body.encode()).hexdigest())
    received_at = factory.LazyFunction(timezone.now)


class SocialReplyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SocialReply

    comment = factory.SubFactory(SocialCommentFactory)
    entry = factory.SubFactory(
        EntryFactory, promotion=factory.SelfAttribute("..comment.source.promotion")
    )
    kind = "public"
    text = "You won! Claim your prize: https://example.com/claim"
    next_attempt_at = factory.LazyFunction(timezone.now)
    created_at = factory.LazyFunction(timezone.now)


class SocialReplyAttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SocialReplyAttempt

    reply = factory.SubFactory(SocialReplyFactory)
    at = factory.LazyFunction(timezone.now)
    ok = True
    status_code = 200
