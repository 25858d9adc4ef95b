"""A comment giveaway after its close: the automatic draw runs the final import first (and
waits when Graph throttles or the token expired); the winner is told by a private reply
that carries the claim link (the public reply never does), and claims with that link in a
fresh browser: the link is the proof, the form asks for an email."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from promotions.campaigns.zones import moment_display
from promotions.claims import services as claims_services
from promotions.claims.services import claim_link, draws_run_due
from promotions.models import Draw, PrizeClaim, Promotion
from promotions.social import importer, replies, services
from promotions.social.models import SocialComment, SocialReply, SocialRules
from tests.factories.promotions import BrandMembershipFactory, PrizeFactory
from tests.fakes import graph_comments
from tests.fakes.graph_server import GraphFault, throttled, token_expired
from tests.promotions.social.conftest import POST_ID, giveaway
from tracking.models import WebhookEvent

pytestmark = pytest.mark.django_db

POST = POST_ID.split("_")[1]
PRIVATE = "You won! Claim your prize here: {claim_url}"


def _comments(graph, start, count, at):
    return [
        graph_comments.comment(
            f"{POST}_{i}",
            author=f"{700 + i}",
            name=f"Secret Name{i}",
            message="I want it #win",
            at=at + timedelta(minutes=i),
        )
        for i in range(start, start + count)
    ]


@pytest.fixture
def closed(graph_post, django_capture_on_commit_callbacks):
    """A giveaway that took 5 comments while open, then closed a minute ago; a sixth
    comment written before the close that only the final import will read."""
    promotion, source = giveaway(
        keyword="#win",
        reply_public=True,
        reply_private=True,
        reply_text=PRIVATE,
    )
    PrizeFactory(promotion=promotion, name="Phone X", quantity=1, claim_shipping_address=False)
    at = timezone.now() - timedelta(hours=3)
    comments = graph_post.state["posts"][POST_ID]["comments"]
    comments += _comments(graph_post, 0, 5, at)
    with django_capture_on_commit_callbacks(execute=True):
        importer.social_promotion_import(promotion=promotion)
    closed_at = timezone.now() - timedelta(minutes=1)
    Promotion.objects.filter(pk=promotion.pk).update(ends_at=closed_at, draw_grace_minutes=0)
    # committed at the first entry, before the close (the import ran "hours ago")
    Draw.objects.filter(promotion=promotion).update(committed_at=at - timedelta(minutes=1))
    comments += _comments(graph_post, 5, 1, at + timedelta(hours=1))
    promotion.refresh_from_db()
    return promotion, source


def test_the_automatic_draw_imports_first_then_tells_the_winner_by_private_reply(
    closed, graph_post, django_capture_on_commit_callbacks
):
    promotion, _source = closed

    with django_capture_on_commit_callbacks(execute=True):
        assert draws_run_due() == 1

    # the final import ran before the draw: the sixth comment is in the list
    draw = Draw.objects.get(promotion=promotion)
    assert draw.entry_count == 6
    rules = SocialRules.objects.get(promotion=promotion)
    assert rules.final_imported_at is not None and rules.final_imported_at >= promotion.ends_at
    # the winner is told on their comment: public without the link, private with it
    claim = PrizeClaim.objects.get(draw=draw)
    assert claim.channel == PrizeClaim.Channel.COMMENT_REPLY
    assert claim.notified_at is not None
    comment = SocialComment.objects.get(entry=claim.entry, status="entered")
    link = claim_link(claim=claim)
    token = claims_services.claim_token(claim=claim)
    public = graph_post.calls("POST", rf"/{comment.comment_id}/comments")
    private = graph_post.calls("POST", r"/\d+/messages")
    assert len(public) == 1 and len(private) == 1
    assert public[0].body["message"] == (
        "This comment won! Check your private messages to claim the prize."
    )
    assert token not in public[0].raw_body.decode() and "/claim/" not in public[0].raw_body.decode()
    assert private[0].body["recipient"] == {"comment_id": comment.comment_id}
    assert private[0].body["message"]["text"] == PRIVATE.format(claim_url=link)
    assert "Secret Name" not in public[0].raw_body.decode() + private[0].raw_body.decode()
    # a second run draws nothing and tells nobody again
    with django_capture_on_commit_callbacks(execute=True):
        assert draws_run_due() == 0
    assert SocialReply.objects.count() == 2


@pytest.mark.parametrize(
    "fault", [throttled(17), token_expired()], ids=["throttled", "token-expired"]
)
def test_no_draw_while_the_final_import_cannot_finish_the_next_run_draws(
    closed, graph_post, caplog, django_capture_on_commit_callbacks, fault
):
    promotion, _source = closed
    graph_post.fail_next("GET", rf"/{POST_ID}/comments", fault, times=20)

    with caplog.at_level(logging.WARNING, logger="promotions.claims.services"):
        assert draws_run_due() == 0

    draw = Draw.objects.get(promotion=promotion)
    assert draw.status == Draw.Status.COMMITTED and not PrizeClaim.objects.exists()
    assert "the final import of the comments did not finish" in caplog.text
    assert "the next run tries again" in caplog.text
    assert SocialRules.objects.get(promotion=promotion).final_imported_at is None

    # Graph answers again: the next run imports and draws
    graph_post.faults.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert draws_run_due() == 1
    assert Draw.objects.get(pk=draw.pk).entry_count == 6


def test_a_draw_by_hand_waits_for_the_final_import(closed):
    promotion, _source = closed
    draw = Draw.objects.get(promotion=promotion)

    with pytest.raises(ValidationError, match="final import"):
        claims_services.draw_complete(draw=draw)

    assert Draw.objects.get(pk=draw.pk).status == Draw.Status.COMMITTED


def test_admin_run_of_a_comment_giveaway_queues_the_import_then_draws(
    closed, graph_post, client, django_capture_on_commit_callbacks
):
    # given: a manager of the brand (the worker runs tasks at once in tests)
    promotion, _source = closed
    membership = BrandMembershipFactory(brand=promotion.campaign.brand, role="manager")
    client.force_login(membership.user)
    draw = Draw.objects.get(promotion=promotion)

    # when: they run the draw in admin
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            "/admin/promotions/draw/",
            {"action": "run_draws", "_selected_action": [draw.pk]},
            follow=True,
        )

    # then: the request only queued it; the task imported and drew
    assert "the final import of the comments runs first" in answer.content.decode()
    draw.refresh_from_db()
    assert draw.status == Draw.Status.DRAWN and draw.entry_count == 6
    assert draw.drawn_by == membership.user
    assert PrizeClaim.objects.get(draw=draw).channel == PrizeClaim.Channel.COMMENT_REPLY


def test_the_public_reply_can_never_receive_the_claim_link(
    closed, graph_post, django_capture_on_commit_callbacks
):
    # given: a public text that tries to use the placeholder (refused by the rules' check;
    # written past it here)
    promotion, _source = closed
    SocialRules.objects.filter(promotion=promotion).update(reply_public_text="Winner! {claim_url}")
    rules = SocialRules.objects.get(promotion=promotion)
    with pytest.raises(ValidationError) as info:
        services.social_rules_check(rules=rules, platforms=["facebook"])
    assert "reply_public_text" in info.value.message_dict

    # when: the draw tells the winner
    with django_capture_on_commit_callbacks(execute=True):
        assert draws_run_due() == 1

    # then: the public reply is the text as written, the link went only in private
    claim = PrizeClaim.objects.get()
    public = SocialReply.objects.get(kind="public")
    private = SocialReply.objects.get(kind="private")
    assert public.text == "Winner! {claim_url}"
    assert claims_services.claim_token(claim=claim) in private.text
    assert claims_services.claim_token(claim=claim) not in public.text


def test_rules_refuse_a_public_reply_without_the_private_one_and_a_private_one_without_link():
    promotion, _source = giveaway()
    rules = promotion.social_rules
    rules.reply_public, rules.reply_private = True, False
    with pytest.raises(ValidationError) as info:
        services.social_rules_save(rules=rules)
    assert "reply_private" in info.value.message_dict

    rules.reply_private, rules.reply_text = True, "You won, write to us."
    with pytest.raises(ValidationError) as info:
        services.social_rules_save(rules=rules)
    assert "{claim_url}" in " ".join(info.value.message_dict["reply_text"])

    rules.reply_text = "You won: {claim_url}"
    services.social_rules_save(rules=rules)  # accepted


def _path(claim: PrizeClaim) -> str:
    return "/" + claim_link(claim=claim).split("://", 1)[1].split("/", 1)[1]


def test_a_comment_winner_claims_in_a_fresh_browser_with_the_link_alone(
    closed, django_capture_on_commit_callbacks, mailoutbox
):
    _promotion, _source = closed
    with django_capture_on_commit_callbacks(execute=True):
        draws_run_due()
    claim = PrizeClaim.objects.get()
    browser = Client()  # nobody signed in

    page = browser.get(_path(claim))
    html = page.content.decode()
    assert page.status_code == 200
    assert "First, confirm it is you" not in html  # no email sign-in for a commenter
    assert 'name="email"' in html

    # the form needs an email to write to about the delivery
    refused = browser.post(_path(claim), {"action": "claim", "accept_rules": "on"})
    assert refused.status_code == 400
    assert "Enter your email" in refused.content.decode()
    assert PrizeClaim.objects.get(pk=claim.pk).status == PrizeClaim.Status.NOTIFIED

    with django_capture_on_commit_callbacks(execute=True):
        done = browser.post(
            _path(claim),
            {"action": "claim", "accept_rules": "on", "email": "winner@example.com"},
        )

    assert done.status_code == 200 and "your claim is in" in done.content.decode()
    claim.refresh_from_db()
    assert claim.status == PrizeClaim.Status.CLAIMED
    assert claim.answers == {"email": "winner@example.com"}
    assert [m.to for m in mailoutbox] == [["winner@example.com"]]  # "your claim is in"
    # shipped: the winner hears at the address they gave
    with django_capture_on_commit_callbacks(execute=True):
        claims_services.claim_mark_shipped(claim=claim, carrier="La Poste", tracking_number="X1")
    assert [m.to for m in mailoutbox][-1] == ["winner@example.com"]
    assert WebhookEvent.objects.count() == 0  # no partner subscribed: nothing stored


def test_a_tampered_comment_winners_link_is_a_friendly_400(
    closed, django_capture_on_commit_callbacks
):
    _promotion, _source = closed
    with django_capture_on_commit_callbacks(execute=True):
        draws_run_due()
    claim = PrizeClaim.objects.get()
    path = _path(claim)
    token = re.search(r"/claim/([^/]+)/$", path).group(1)
    tampered = path.replace(token, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))

    for method in ("get", "post"):
        answer = getattr(Client(), method)(
            tampered, {"action": "claim", "accept_rules": "on", "email": "x@example.com"}
        )
        assert answer.status_code == 400
        page = answer.content.decode()
        assert "This link does not work" in page
        # The winner was told by a reply to the comment: the page does not send them to an email.
        assert "from the message that told you that you won" in page
        assert "email" not in page.split("<main", 1)[1].split("</main>", 1)[0].lower()
    assert PrizeClaim.objects.get(pk=claim.pk).status == PrizeClaim.Status.NOTIFIED


def test_a_comment_winner_told_is_one_winner_notified_event_without_personal_data(
    closed, make_api_key, receiver, django_capture_on_commit_callbacks
):
    from tracking import partner_webhooks

    promotion, _source = closed
    brand = promotion.campaign.brand
    key, _raw = make_api_key(brands=[brand], scopes=["webhooks:write", "entries:pii"])
    partner_webhooks.webhook_subscription_create(
        api_key=key, brand_id=brand.pk, url=receiver.url, event_types=["winner.notified"]
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert draws_run_due() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert draws_run_due() == 0

    claim = PrizeClaim.objects.get()
    (event,) = WebhookEvent.objects.filter(type="winner.notified")
    assert event.pii is None
    assert event.data["entry"] == claim.entry.public_id
    assert event.data["claim_deadline"] == claim.deadline.isoformat().replace("+00:00", "Z")
    assert len(receiver.received) == 1
    body = receiver.received[0].body.decode()
    assert "Secret Name" not in body and claim.entry.person.public_id.hex not in body
    assert claims_services.claim_token(claim=claim) not in body


def test_a_private_reply_without_the_link_tells_nobody_and_records_no_channel(
    closed, graph_post, django_capture_on_commit_callbacks
):
    # given: a private text without {claim_url} (refused by the check, written past it)
    promotion, _source = closed
    SocialRules.objects.filter(promotion=promotion).update(reply_text="You won, well done.")

    with django_capture_on_commit_callbacks(execute=True):
        assert draws_run_due() == 1

    claim = PrizeClaim.objects.get()
    assert claim.channel == PrizeClaim.Channel.NONE and claim.notified_at is None
    assert not SocialReply.objects.exists()
    assert not graph_post.calls("POST", r"/\d+/messages")


def test_a_comment_older_than_seven_days_cannot_be_answered_in_private(closed):
    # given: the winning comment of an alternate told late (Messenger's window is 7 days)
    _promotion, _source = closed
    comment = SocialComment.objects.filter(status="entered").first()
    SocialComment.objects.filter(pk=comment.pk).update(
        created_time=timezone.now() - timedelta(days=7, minutes=1)
    )

    assert claims_services.claim_channel(entry=comment.entry) == PrizeClaim.Channel.NONE
    fresh = SocialComment.objects.filter(status="entered").exclude(pk=comment.pk).first()
    assert claims_services.claim_channel(entry=fresh.entry) == PrizeClaim.Channel.COMMENT_REPLY


def test_a_winner_too_old_to_answer_in_private_claims_with_the_link_the_brand_gives(
    graph_post, django_capture_on_commit_callbacks, mailoutbox
):
    # given: a two-week giveaway whose comments all came more than Messenger's 7 days
    # before the draw: nobody can be told in private, the managers are asked to give the
    # link by a channel of their own
    promotion, _source = giveaway(
        keyword="#win", reply_public=True, reply_private=True, reply_text=PRIVATE
    )
    BrandMembershipFactory(brand=promotion.campaign.brand, role="manager")
    PrizeFactory(promotion=promotion, name="Phone X", quantity=1, claim_shipping_address=False)
    at = timezone.now() - timedelta(days=8)
    graph_post.state["posts"][POST_ID]["comments"] += _comments(graph_post, 0, 3, at)
    with django_capture_on_commit_callbacks(execute=True):
        importer.social_promotion_import(promotion=promotion)
    Promotion.objects.filter(pk=promotion.pk).update(
        ends_at=timezone.now() - timedelta(minutes=1), draw_grace_minutes=0
    )
    Draw.objects.filter(promotion=promotion).update(committed_at=at - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert draws_run_due() == 1
    claim = PrizeClaim.objects.get()
    assert claim.channel == PrizeClaim.Channel.NONE
    assert any("reach them another way" in m.body for m in mailoutbox)

    # when: the winner opens the link they were given, in any browser
    browser = Client()
    page = browser.get(_path(claim)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = browser.post(
            _path(claim), {"action": "claim", "accept_rules": "on", "email": "late@example.com"}
        )

    # then: no email sign-in to an address they do not have; the link is the proof
    assert "First, confirm it is you" not in page and 'name="email"' in page
    assert done.status_code == 200, done.content.decode()[:500]
    claim.refresh_from_db()
    assert (claim.status, claim.answers) == (
        PrizeClaim.Status.CLAIMED,
        {"email": "late@example.com"},
    )


def test_a_private_reply_messenger_refuses_for_good_hands_the_link_to_the_managers(
    closed, graph_post, django_capture_on_commit_callbacks, mailoutbox, client
):
    # given: Messenger refuses the private reply ("This person isn't available right now")
    manager = BrandMembershipFactory(brand=closed[0].campaign.brand, role="manager")
    graph_post.fail_next(
        "POST",
        r"/\d+/messages",
        GraphFault(551, "This person isn't available right now.", status=400),
        times=50,
    )

    # when: the draw is made and the worker sends its replies (queued on commit), then
    # the replies' sweep comes by
    with django_capture_on_commit_callbacks(execute=True):
        draws_run_due()
    with django_capture_on_commit_callbacks(execute=True):
        assert replies.social_replies_send_due(at=timezone.now() + timedelta(minutes=1)) == 0

    # then: the claim has no channel any more; the managers are asked (once) to give the
    # link, which the claim's admin page shows
    claim = PrizeClaim.objects.get()
    assert SocialReply.objects.get(kind="private").status == SocialReply.Status.FAILED
    assert claim.channel == PrizeClaim.Channel.NONE
    # nobody was told: no time of telling, and partners hear no winner.notified
    assert claim.notified_at is None
    assert not WebhookEvent.objects.filter(type="winner.notified").exists()
    [told] = [m for m in mailoutbox if "Reach them another way" in m.body]
    assert told.to == [manager.user.email] and "Reach them another way" in told.body
    client.force_login(manager.user)
    page = client.get(f"/admin/promotions/prizeclaim/{claim.pk}/change/").content.decode()
    assert claim_link(claim=claim) in page
    assert claims_services.claim_private_reply_failed(entry_id=claim.entry_id) == 0  # once


def test_a_comment_winner_who_has_not_claimed_gets_one_public_reminder_before_the_deadline(
    closed, graph_post, django_capture_on_commit_callbacks
):
    # given: a comment winner told in private, who has not claimed
    promotion, _source = closed
    with django_capture_on_commit_callbacks(execute=True):
        draws_run_due()
    claim = PrizeClaim.objects.get()
    comment = SocialComment.objects.get(entry=claim.entry, status="entered")
    reminder_at = claim.deadline - timedelta(hours=promotion.claim_reminder_hours)

    # when: the schedule runs before, at and after the reminder's time
    with django_capture_on_commit_callbacks(execute=True):
        early = claims_services.claims_remind_due(at=reminder_at - timedelta(minutes=1))
        sent = claims_services.claims_remind_due(at=reminder_at)
        again = claims_services.claims_remind_due(at=reminder_at + timedelta(hours=1))
    replies.social_replies_send_due(at=reminder_at + timedelta(hours=1))

    # then: one more public comment under the winning one, with the deadline, no link
    assert (early, sent, again) == (0, 1, 0)
    public = graph_post.calls("POST", rf"/{comment.comment_id}/comments")
    assert len(public) == 2  # the "this comment won" reply, then the reminder
    text = public[1].body["message"]
    assert text.startswith("Reminder: this comment won! Check your private messages")
    assert moment_display(promotion.campaign, claim.deadline) in text
    assert "/claim/" not in text and claims_services.claim_token(claim=claim) not in text
    assert "Secret Name" not in text
    assert len(graph_post.calls("POST", r"/\d+/messages")) == 1  # Messenger's one reply
    reminder = SocialReply.objects.get(kind="reminder")
    assert reminder.status == "sent" and reminder.comment == comment
    assert PrizeClaim.objects.get(pk=claim.pk).reminder_sent_at == reminder_at


def test_no_public_reminder_where_the_rules_keep_replies_private(
    closed, graph_post, django_capture_on_commit_callbacks
):
    promotion, _source = closed
    SocialRules.objects.filter(promotion=promotion).update(reply_public=False)
    with django_capture_on_commit_callbacks(execute=True):
        draws_run_due()
    claim = PrizeClaim.objects.get()
    assert claim.channel == PrizeClaim.Channel.COMMENT_REPLY

    with django_capture_on_commit_callbacks(execute=True):
        sent = claims_services.claims_remind_due(at=claim.deadline - timedelta(hours=1))

    assert sent == 0
    assert not SocialReply.objects.filter(kind="reminder").exists()
    assert PrizeClaim.objects.get(pk=claim.pk).reminder_sent_at is None


def test_a_private_reply_sent_but_not_recorded_is_recorded_by_the_sweep(
    closed, make_api_key, receiver, django_capture_on_commit_callbacks
):
    from promotions.claims import tasks as claims_tasks
    from tracking import partner_webhooks

    # given: the private reply went out, but the task that records it was lost
    promotion, _source = closed
    key, _raw = make_api_key(brands=[promotion.campaign.brand], scopes=["webhooks:write"])
    partner_webhooks.webhook_subscription_create(
        api_key=key,
        brand_id=promotion.campaign.brand_id,
        url=receiver.url,
        event_types=["winner.notified"],
    )
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert draws_run_due() == 1
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()
        replies.social_replies_send_due(at=timezone.now())
    reply = SocialReply.objects.get(kind="private", status=SocialReply.Status.SENT)
    claim = PrizeClaim.objects.get()
    PrizeClaim.objects.filter(pk=claim.pk).update(notified_at=None)
    WebhookEvent.objects.filter(type="winner.notified").delete()

    # when: the sweep comes by, soon and then ten minutes on
    soon = claims_tasks.claims_notices_resend()
    PrizeClaim.objects.filter(pk=claim.pk).update(
        created_at=claim.created_at - timedelta(minutes=11)
    )
    with django_capture_on_commit_callbacks(execute=True):
        told = claims_tasks.claims_notices_resend()
        again = claims_tasks.claims_notices_resend()

    # then: the winner counts as told when the reply went out, announced once; no reply
    # is sent twice
    assert (soon, told, again) == (0, 1, 0)
    claim.refresh_from_db()
    assert claim.notified_at == reply.sent_at
    (event,) = WebhookEvent.objects.filter(type="winner.notified")
    assert event.data["notified_at"] == reply.sent_at.isoformat().replace("+00:00", "Z")
    assert SocialReply.objects.filter(kind="private").count() == 1
