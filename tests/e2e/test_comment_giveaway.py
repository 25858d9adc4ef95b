"""Issue 11 end to end, on a desktop against the fake Graph server: a marketer connects the
brand's Page, makes a sweepstakes a comment giveaway from a recent post ("Use this post"),
sees comments arrive (an import, then a signed webhook delivery), and runs the draw after
the close; the winning comment gets its public reply (no link) and its private reply (the
claim link), and the winner claims with that link in a fresh browser."""

from __future__ import annotations

import re
import urllib.request
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from promotions.models import (
    BrandMembership,
    ConnectedPage,
    Draw,
    PrizeClaim,
    Promotion,
    SocialComment,
    SocialReply,
    SocialRules,
)
from tests.e2e.test_api_key_admin import login
from tests.factories import BrandFactory, CampaignFactory, PromotionFactory, StaffUserFactory
from tests.factories.promotions import PrizeFactory
from tests.fakes import graph_comments, graph_pages

pytestmark = pytest.mark.browser

PAGE_ID = "5550002"
POST_ID = f"{PAGE_ID}_1000"  # the newest of the Page's recent posts
PRIVATE = "Congratulations, you won! Claim your prize here: {claim_url}"


def _webhook_post(live_server, body: dict) -> int:
    raw, headers = graph_comments.webhook_delivery(body, app_secret=settings.FACEBOOK_APP_SECRET)
    request = urllib.request.Request(
        f"{live_server.url}/facebook/webhooks/",
        data=raw,
        headers={
            "Content-Type": "application/json",
            "X-Hub-Signature-256": headers["HTTP_X_HUB_SIGNATURE_256"],
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.status


def test_a_comment_giveaway_from_a_recent_post_to_the_winners_reply(
    desktop, phone, screenshot, fake_pages, live_server
):
    # given: a marketer of the brand with its Page on Facebook, and a sweepstakes open now
    # whose rules take comments and answer the winner publicly and in private
    now = timezone.now()
    brand = BrandFactory(name="Acme Phones", slug="acme")
    user = StaffUserFactory(username="giveaways")
    BrandMembership.objects.create(brand=brand, user=user, role="manager")
    graph_pages.marketer_add(fake_pages, user_id="9001")
    graph_pages.page_add(fake_pages, page_id=PAGE_ID, name="Acme Phones", posts=3)
    campaign = CampaignFactory(
        brand=brand,
        name="Winter",
        starts_at=now - timedelta(days=3),
        ends_at=now + timedelta(days=5),
    )
    promotion = PromotionFactory(
        campaign=campaign,
        title="Comment to win a Nova X",
        slug="comment-to-win",
        starts_at=now - timedelta(days=2),
        ends_at=now + timedelta(days=2),
    )
    PrizeFactory(promotion=promotion, name="Nova X phone", quantity=1, claim_shipping_address=False)
    SocialRules.objects.create(
        promotion=promotion,
        keyword="#nova",
        reply_public=True,
        reply_private=True,
        reply_text=PRIVATE,
    )
    page = desktop
    login(page, "giveaways")

    # when: they connect the Page through Facebook's dialog (the fake one)
    page.goto("/admin/promotions/connectedpage/")
    page.get_by_role("link", name="Connect a Facebook Page").click()
    # (one Page on Facebook: it is connected without a choice to make)
    expect(page.locator(".messagelist .success")).to_contain_text("Connected the Page")
    screenshot(page, "comment-giveaway-01-page-connected")
    connected = ConnectedPage.objects.get()

    # and: pick the newest post for the giveaway from the recent posts
    page.locator("#result_list tbody tr", has_text="Acme Phones").get_by_role(
        "link", name="Posts"
    ).click()
    expect(page.locator(".post-row")).to_have_count(3)
    screenshot(page, "comment-giveaway-02-recent-posts")
    page.locator(".post-row").first.get_by_role("link", name="Use this post").click()
    page.wait_for_url("**/socialsource/add/**")
    expect(page.get_by_label("Post or media id")).to_have_value(POST_ID)
    page.get_by_label("Promotion").select_option(label=str(promotion))
    screenshot(page, "comment-giveaway-03-source-prefilled")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    screenshot(page, "comment-giveaway-04-source-added")

    # and: people comment; the marketer imports now (the worker runs it at once in tests)
    written = now - timedelta(hours=1)
    comments = [
        graph_comments.comment(
            f"1000_{n}",
            author=f"31{n}",
            name=f"Secret Person{n}",
            message=text,
            at=written + timedelta(minutes=n),
        )
        for n, text in enumerate(["#nova please!", "me me me", "#Nova yes", "#nova for my mum"])
    ]
    graph_comments.post_add(
        fake_pages,
        post_id=POST_ID,
        page_id=PAGE_ID,
        token=connected.access_token,
        comments=comments,
    )
    page.goto("/admin/promotions/socialsource/")
    page.locator("#result_list tbody tr", has_text=POST_ID).get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option("import_now")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist .success")).to_contain_text("The import is queued")

    # and: one more comment arrives by the Page's webhook, signed with the app secret
    late = graph_comments.comment(
        "1000_9",
        author="319",
        name="Secret Person9",
        message="#nova!",
        at=now - timedelta(minutes=5),
    )
    comments.append(late)
    fake_pages.state["posts"][POST_ID]["comments"].append(late)
    change = graph_comments.feed_change(
        page_id=PAGE_ID,
        post_id=POST_ID,
        comment_id="1000_9",
        author="319",
        message="#nova!",
        at=now - timedelta(minutes=5),
    )
    assert _webhook_post(live_server, change) == 200

    # then: the comments admin shows each one with its status and reason
    page.goto("/admin/promotions/socialcomment/")
    expect(page.locator("#result_list tbody tr")).to_have_count(5)
    expect(page.locator("#result_list tbody tr", has_text="1000_1")).to_contain_text(
        "Required keyword or hashtag missing"
    )
    screenshot(page, "comment-giveaway-05-comments")
    assert SocialComment.objects.filter(status="entered").count() == 4
    assert "Secret Person" not in page.content()
    page.goto(f"/admin/promotions/promotion/{promotion.pk}/dashboard/")
    screenshot(page, "comment-giveaway-06-dashboard")

    # when: entries close and the marketer runs the draw (the final import runs first)
    Promotion.objects.filter(pk=promotion.pk).update(ends_at=timezone.now(), draw_grace_minutes=0)
    draw = Draw.objects.get(promotion=promotion)
    page.goto("/admin/promotions/draw/")
    page.locator("#result_list tbody tr").first.get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option("run_draws")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist .info")).to_contain_text(
        "the final import of the comments runs first"
    )
    screenshot(page, "comment-giveaway-07-draw-run")
    draw.refresh_from_db()
    assert draw.status == Draw.Status.DRAWN and draw.entry_count == 4
    page.goto("/admin/promotions/draw/")
    expect(page.locator("#result_list tbody tr").first).to_contain_text("Drawn")

    # then: the winning comment got its replies (the fake server's log)
    claim = PrizeClaim.objects.get(draw=draw)
    assert claim.channel == PrizeClaim.Channel.COMMENT_REPLY
    won = SocialComment.objects.get(entry=claim.entry, status="entered")
    replies = fake_pages.state["replies"]
    assert [(r["kind"], r["comment_id"]) for r in replies] == [
        ("public", won.comment_id),
        ("private", won.comment_id),
    ]
    public, private = replies
    assert public["message"] == "This comment won! Check your private messages to claim the prize."
    link = re.search(r"https?://[^/\s]+(/p/\S+/claim/\S+/)", private["message"]).group(1)
    assert "/claim/" not in public["message"]
    assert set(SocialReply.objects.values_list("status", flat=True)) == {"sent"}
    page.goto("/admin/promotions/socialreply/")
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    screenshot(page, "comment-giveaway-08-replies")

    # and: the winner opens the private link on their phone (never signed in) and claims
    phone.goto(link)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Congratulations, you won!")
    phone.get_by_label("Your email (to hear about the delivery)").fill("winner@example.com")
    phone.get_by_label("I accept the official rules and confirm that I am eligible.").check()
    screenshot(phone, "comment-giveaway-09-claim-form")
    phone.get_by_role("button", name="Claim my prize").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Thank you, your claim is in")
    screenshot(phone, "comment-giveaway-10-claimed")
    claim.refresh_from_db()
    assert claim.status == PrizeClaim.Status.CLAIMED
