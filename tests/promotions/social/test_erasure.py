"""A commenter's data deletion: their comments keep counting, anonymously; what they said
and who wrote them is gone, and stays gone when the post is read again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from promotions.entrants.models import Identity
from promotions.entrants.services import person_anonymise
from promotions.entries.models import Entry
from promotions.social import importer
from promotions.social.models import SocialComment
from tests.fakes import graph_comments
from tests.promotions.social.conftest import POST_ID, giveaway

pytestmark = pytest.mark.django_db
POST = POST_ID.split("_")[1]


def test_a_deleted_commenters_comments_lose_their_text_and_author_for_good(graph_post):
    # given: a comment that names its author and their address, made an entry
    promotion, _source = giveaway()
    at = timezone.now() - timedelta(hours=2)
    comments = graph_post.state["posts"][POST_ID]["comments"]
    comments.append(
        graph_comments.comment(
            f"{POST}_1", author="700", name="Jane Roe", message="Jane Roe, 12 rue X: me!", at=at
        )
    )
    importer.social_promotion_import(promotion=promotion)
    entry = Entry.objects.get(promotion=promotion)

    # when: she asks for her data to be deleted; then the post is read again, with a
    # new comment by the same account
    done = person_anonymise(person=entry.person)
    comments.append(
        graph_comments.comment(
            f"{POST}_2", author="700", message="again", at=at + timedelta(minutes=5)
        )
    )
    importer.social_promotion_import(promotion=promotion)

    # then: the old comment says nothing and names nobody, still holds its entry, and is
    # never tied to the account's new comment (a new person)
    old = SocialComment.objects.get(comment_id=f"{POST}_1")
    assert done["deleted"]["comments"] == 1
    assert (old.text, old.author_username) == ("", "")
    assert old.author_id == f"erased:{entry.person_id}"
    assert old.entry_id == entry.pk and old.status == "entered"
    new = SocialComment.objects.get(comment_id=f"{POST}_2")
    assert new.entry.person_id != entry.person_id
    assert Identity.objects.get(subject="700").person_id == new.entry.person_id
    assert Entry.objects.get(pk=entry.pk).person_id == entry.person_id
