"""A commenter's data deletion: what their comments said and who wrote them.

The comments stay (each is stored once, and counted on the certificate and in the
entries), but their text, the author's id and Instagram username are gone. The author id
becomes ``erased:<person id>``: never a real Facebook or Instagram id, so a later comment
by the same account is a new person and the erased comments are never tied to it, and
still one author, so "one entry per person" keeps treating them as one.
"""

from __future__ import annotations

from promotions.entrants.models import Identity, Person
from promotions.social.models import Platform, SocialComment

ERASED_PREFIX = "erased:"

_PLATFORMS: dict[str, str] = {
    Identity.Provider.FACEBOOK_PAGE: Platform.FACEBOOK,
    Identity.Provider.INSTAGRAM: Platform.INSTAGRAM,
}


def social_comments_erase(*, person: Person) -> int:
    """Blank the comments ``person`` wrote (found by their commenter identities, so call it
    before those are deleted); returns how many."""
    erased = 0
    for provider, subject in person.identities.filter(provider__in=_PLATFORMS).values_list(
        "provider", "subject"
    ):
        erased += SocialComment.objects.filter(
            platform=_PLATFORMS[provider], author_id=subject
        ).update(author_id=f"{ERASED_PREFIX}{person.pk}", author_username="", text="")
    return erased
