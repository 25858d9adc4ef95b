"""A draw over an imported post: the same fair draw, verified from its published data;
the certificate adds the post, the rules and the exclusions, and names nobody; the
winner's comment gets its reply exactly once."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from promotions.draws import fairdraw
from promotions.draws.services import draw_run
from promotions.entries.models import Entry
from promotions.social import comments, importer, replies, services
from promotions.social.models import SocialComment, SocialReply, SocialReplyAttempt, SocialRules
from promotions.social.rules import ReadComment
from tests.fakes import graph_comments
from tests.fakes.graph_server import server_error
from tests.promotions.social.conftest import PAGE_ID, POST_ID, giveaway

pytestmark = pytest.mark.django_db

POST = POST_ID.split("_")[1]
# Facebook-sized user ids: no page number, id or count can look like one of them.
AUTHOR_BASE = 917_000_000_000_000
REPLY = "Congratulations! Claim your prize here: {claim_url}"


def _independent_check(d):
    """docs/draws.md's procedure, as written there."""
    seed, lst, h = bytes.fromhex(d["seed"]), d["entry_list"], d["entry_list_hash"]
    assert hashlib.sha256(seed).hexdigest() == d["seed_commitment"]
    assert hashlib.sha256(lst.encode()).hexdigest() == h
    rows = [line.split(" ") for line in lst.splitlines()]
    n, picked, people, counter = len(rows), [], set(), 0
    limit = 2**256 - (2**256 % n)
    want = min(d["winners_count"] + d["alternates_count"], len({t for _, t in rows}))
    while len(picked) < want:
        mac = hmac.new(seed, bytes.fromhex(h) + counter.to_bytes(8, "big"), hashlib.sha256)
        counter += 1
        r = int.from_bytes(mac.digest(), "big")
        if r >= limit:
            continue
        entry, person = rows[r % n]
        if person not in people:
            people.add(person)
            picked.append(entry)
    return picked[: d["winners_count"]], picked[d["winners_count"] :]


@pytest.fixture
def drawn(graph_post, client, django_capture_on_commit_callbacks, tmp_path):
    promotion, source = giveaway(
        keyword="#win", reply_public=True, reply_private=True, reply_text=REPLY
    )
    at = timezone.now() - timedelta(hours=5)
    graph_post.state["posts"][POST_ID]["comments"] = [
        graph_comments.comment(
            f"{POST}_{i}",
            author=f"{AUTHOR_BASE + i % 40}",
            name=f"Secret Name{i % 40}",
            message="#win" if i % 9 else "hello",
            at=at + timedelta(minutes=i),
        )
        for i in range(60)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        importer.social_promotion_import(promotion=promotion)
    draw = promotion.draws.get()  # committed at the first entry, before the close
    assert draw.committed_at < promotion.ends_at
    draw = draw_run(draw=draw, at=promotion.ends_at + timedelta(minutes=5))
    return promotion, source, draw


def test_a_draw_over_an_imported_post_verifies(drawn, client, tmp_path, capsys):
    promotion, _source, draw = drawn
    export_url = draw.get_absolute_url().rstrip("/") + ".json"

    data = client.get(export_url).json()

    people = Entry.objects.filter(promotion=promotion).values("person").distinct().count()
    assert draw.entry_count == people == 38  # one per person (27 and 36 never wrote #win)
    assert fairdraw.verify(data).ok
    assert _independent_check(data) == (data["winners"], data["alternates"])
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(data))
    call_command("verify_draw", str(path))
    assert "OK" in capsys.readouterr().out
    social = data["social"]
    assert social["sources"] == [{"platform": "facebook", "object_id": POST_ID, "permalink": ""}]
    assert social["rules"]["keyword"] == "#win" and social["rules"]["weighting"] == "per_person"
    excluded = SocialComment.objects.filter(status="excluded")
    assert social["excluded"] == {
        "no_keyword": excluded.filter(reason="no_keyword").count(),
        "repeat": excluded.filter(reason="repeat").count(),
    }
    assert sum(social["excluded"].values()) + 38 == social["comments_read"] == 60
    winner = data["winners"][0]
    comment = SocialComment.objects.get(entry__public_id=winner, status="entered")
    assert social["entry_comments"][winner] == [
        comments.comment_ref("facebook", comment.comment_id)
    ]


def test_the_certificate_shows_sources_rules_and_reasons_and_no_names(drawn, client):
    _promotion, _source, draw = drawn

    page = client.get(draw.get_absolute_url())

    assert page.status_code == 200
    html = page.content.decode()
    assert POST_ID in html and "#win" in html and "Required keyword or hashtag missing" in html
    assert "Secret Name" not in html
    assert not any(str(AUTHOR_BASE + i) in html for i in range(40))
    comment = SocialComment.objects.get(entry__public_id=draw.winners[0], status="entered")
    assert comments.comment_ref("facebook", comment.comment_id) in html
    assert comment.comment_id not in html


def test_the_certificate_says_what_was_read_when_the_draw_was_made(drawn, client):
    # given: after the draw, the Page's own reply and a latecomer are read
    promotion, source, draw = drawn
    url = draw.get_absolute_url().rstrip("/") + ".json"
    before = client.get(url).json()["social"]
    later = draw.drawn_at + timedelta(minutes=1)
    comments.social_comments_store(
        source=source,
        comments=[
            ReadComment(f"{POST}_99", "comment", f"{POST}_1", PAGE_ID, "", "This won!", later),
            ReadComment(f"{POST}_98", "comment", "", "799", "", "#win too late", later),
        ],
        at=later,
    )

    # when: the marketer tries to change the rules the draw applied
    rules = SocialRules.objects.get(promotion=promotion)
    rules.keyword = "#other"
    with pytest.raises(ValidationError, match="once the draw is made"):
        services.social_rules_save(rules=rules)

    # then: the published certificate is as it was
    assert SocialComment.objects.count() == 62
    assert client.get(url).json()["social"] == before
    assert SocialRules.objects.get(promotion=promotion).keyword == "#win"


def test_the_winning_comment_gets_each_reply_exactly_once(
    drawn, graph_post, django_capture_on_commit_callbacks
):
    _promotion, _source, draw = drawn
    winner = Entry.objects.get(public_id=draw.winners[0])
    comment = SocialComment.objects.get(entry=winner, status="entered")
    link = "https://promos.example.com/p/x/y/z/"

    with django_capture_on_commit_callbacks(execute=True):
        replies.social_winner_reply(entry=winner, link=link)
    with django_capture_on_commit_callbacks(execute=True):
        replies.social_winner_reply(entry=winner, link=link)  # the draw's task ran twice
    replies.social_replies_send_due(at=timezone.now() + timedelta(hours=1))

    public = graph_post.calls("POST", rf"/{comment.comment_id}/comments")
    private = graph_post.calls("POST", r"/\d+/messages")
    assert len(public) == 1 and len(private) == 1
    # the link goes only in the private reply; the public one says to look there
    assert public[0].body["message"] == (
        "This comment won! Check your private messages to claim the prize."
    )
    assert private[0].body["message"]["text"] == REPLY.format(claim_url=link)
    assert private[0].body["recipient"] == {"comment_id": comment.comment_id}
    assert "Secret" not in public[0].body["message"]
    assert set(SocialReply.objects.values_list("kind", "status")) == {
        ("public", "sent"),
        ("private", "sent"),
    }
    assert SocialReplyAttempt.objects.filter(ok=True).count() == 2
    assert (
        public[0].headers["authorization"].startswith("Bearer ")
        and "access_token" not in public[0].query
    )


def test_a_failed_reply_is_retried_with_backoff_and_logged(
    drawn, graph_post, django_capture_on_commit_callbacks
):
    promotion, _source, draw = drawn
    promotion.social_rules.reply_private = False
    promotion.social_rules.save()
    winner = Entry.objects.get(public_id=draw.winners[0])
    comment = SocialComment.objects.get(entry=winner, status="entered")
    graph_post.fail_next("POST", rf"/{comment.comment_id}/comments", server_error())

    with django_capture_on_commit_callbacks(execute=True):
        (reply,) = replies.social_winner_reply(entry=winner, link="https://x.example/")
    reply.refresh_from_db()
    assert (reply.status, reply.attempts) == ("pending", 1)
    assert reply.next_attempt_at > timezone.now()
    assert replies.social_replies_send_due() == 0  # not due yet

    assert replies.social_replies_send_due(at=reply.next_attempt_at) == 1

    reply.refresh_from_db()
    assert (reply.status, reply.attempts) == ("sent", 2)
    assert list(reply.log.values_list("ok", flat=True)) == [False, True]
    assert len(graph_post.calls("POST", rf"/{comment.comment_id}/comments")) == 2
    assert len(graph_post.state["replies"]) == 1


def test_a_private_reply_after_seven_days_is_not_sent(drawn, graph_post):
    promotion, _source, draw = drawn
    winner = Entry.objects.get(public_id=draw.winners[0])
    promotion.social_rules.reply_public = False
    promotion.social_rules.save()
    (reply,) = replies.social_winner_reply(entry=winner, link="https://x.example/")

    replies.social_reply_send(reply_id=reply.pk, at=timezone.now() + timedelta(days=8))

    reply.refresh_from_db()
    assert reply.status == "failed" and "7 days" in reply.last_error
    assert not graph_post.calls("POST", r"/\d+/messages")


def test_reply_text_may_only_use_claim_url():
    from django.core.exceptions import ValidationError

    promotion, _source = giveaway()
    rules = promotion.social_rules
    rules.reply_public, rules.reply_text = True, "Well done {name}! {claim_url}"
    with pytest.raises(ValidationError) as info:
        services.social_rules_save(rules=rules)
    assert "reply_text" in info.value.message_dict


def test_the_default_public_reply_is_written_in_the_brands_language(
    drawn, graph_post, django_capture_on_commit_callbacks
):
    promotion, _source, draw = drawn
    brand = promotion.campaign.brand
    brand.language = "fr"
    brand.save(update_fields=["language"])
    winner = Entry.objects.get(public_id=draw.winners[0])
    comment = SocialComment.objects.get(entry=winner, status="entered")

    with django_capture_on_commit_callbacks(execute=True):
        replies.social_winner_reply(entry=winner, link="https://promos.example.com/p/x/y/z/")
    replies.social_replies_send_due(at=timezone.now() + timedelta(hours=1))

    [public] = graph_post.calls("POST", rf"/{comment.comment_id}/comments")
    assert public.body["message"] == (
        "Ce commentaire a gagné ! Consultez vos messages privés pour réclamer votre lot."
    )
