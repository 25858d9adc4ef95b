"""The promotions app's models, one import away: each room defines its own.

Django finds them here (app label ``promotions``); the migrations name the callables
below by this module's path, so they stay importable from it.
"""

from promotions.campaigns.models import (
    FACEBOOK_FORBIDDEN_METHODS,
    RESERVED_PROMOTION_SLUGS,
    Brand,
    BrandMembership,
    Campaign,
    CampaignQuerySet,
    EntryFrequency,
    EntryMethod,
    Promotion,
    PromotionQuerySet,
    Status,
    SubmissionMedia,
    WindowedModel,
    WinnersDisplay,
    _timezone_validator,
    default_entry_methods,
    parse_countries,
)
from promotions.claims.models import PrizeClaim
from promotions.codes.models import CouponCode
from promotions.contests.models import JuryScore, Submission, Vote
from promotions.draws.models import Draw, DrawReplacement
from promotions.entrants.models import Consent, ConsentText, DataDeletionRequest, Identity, Person
from promotions.entries.models import Entry, Flag, PromotionCountryRule, _entry_public_id
from promotions.prizes.models import ClaimDocument, Prize, PrizeAward, WinningMoment
from promotions.reports.models import AlertIncident, AlertRule, _alert_secret
from promotions.social.models import (
    ConnectedPage,
    SocialComment,
    SocialReply,
    SocialReplyAttempt,
    SocialRules,
    SocialSource,
    WebhookDelivery,
)

__all__ = [
    "FACEBOOK_FORBIDDEN_METHODS",
    "RESERVED_PROMOTION_SLUGS",
    "AlertIncident",
    "AlertRule",
    "Brand",
    "BrandMembership",
    "Campaign",
    "CampaignQuerySet",
    "ClaimDocument",
    "ConnectedPage",
    "Consent",
    "ConsentText",
    "CouponCode",
    "DataDeletionRequest",
    "Draw",
    "DrawReplacement",
    "Entry",
    "EntryFrequency",
    "EntryMethod",
    "Flag",
    "Identity",
    "JuryScore",
    "Person",
    "Prize",
    "PrizeAward",
    "PrizeClaim",
    "Promotion",
    "PromotionCountryRule",
    "PromotionQuerySet",
    "SocialComment",
    "SocialReply",
    "SocialReplyAttempt",
    "SocialRules",
    "SocialSource",
    "Status",
    "Submission",
    "SubmissionMedia",
    "Vote",
    "WebhookDelivery",
    "WindowedModel",
    "WinnersDisplay",
    "WinningMoment",
    "_alert_secret",
    "_entry_public_id",
    "_timezone_validator",
    "default_entry_methods",
    "parse_countries",
]
