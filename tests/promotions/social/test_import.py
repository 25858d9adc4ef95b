"""The import that misses nothing: 10,000 comments over 400 pages of the fake Graph
server, with replies, duplicates across pages, throttling and a crash in the middle."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from promotions.entries.models import Entry
from promotions.social import comment_entries, comments, importer, services
from promotions.social.models import SocialComment, SocialSource
from promotions.social.rules import ReadComment
from tests.fakes import graph_comments
from tests.fakes.graph_server import server_error, throttled
from tests.promotions.social.conftest import PAGE_ID, POST_ID, giveaway

pytestmark = pytest.mark.django_db(transaction=False)

POST = POST_ID.split("_")[1]


def _world(promotion, n=10_000, seed=11):
    """n comments (oldest first) and, for each, the reason the rules must give ("" counts)."""
    rng = random.Random(seed)
    start, end = promotion.starts_at, promotion.ends_at
    span = (end - start).total_seconds()
    rows, expected, last_top = [], {}, None
    for i in range(n):
        comment_id = f"{POST}_{100000 + i}"
        author = f"{1000 + rng.randrange(4000)}"
        if i % 97 == 0:
            author = PAGE_ID
        elif i % 89 == 0:
            author = "666"
        at = start + timedelta(seconds=span * (i + 1) / (n + 2))
        if i % 61 == 0:
            at = start - timedelta(hours=2, seconds=i)
        elif i % 53 == 0:
            at = end + timedelta(seconds=i % 3000)
        message = "nice post" if i % 7 == 0 else "I want it #WinBig @friend"
        parent = last_top if i % 5 == 0 and last_top else None
        if parent is None:
            last_top = comment_id
        rows.append(
            graph_comments.comment(comment_id, author=author, message=message, at=at, parent=parent)
        )
        if author == PAGE_ID:
            reason = "page_own"
        elif author == "666":
            reason = "blocklisted"
        elif at < start:
            reason = "before_start"
        elif at >= end:
            reason = "after_close"
        elif i % 7 == 0:
            reason = "no_keyword"
        else:
            reason = ""
        expected[comment_id] = (author, at, reason)
    rows.sort(key=lambda r: r["created_time"])
    return rows, expected


def _expected_counts(expected, weighting):
    reasons = Counter(reason for _, _, reason in expected.values() if reason)
    eligible = {cid: v for cid, v in expected.items() if not v[2]}
    if weighting == "per_comment":
        return len(eligible), reasons
    people = {author for author, _, _ in eligible.values()}
    reasons["repeat"] = len(eligible) - len(people)
    return len(people), reasons


@pytest.mark.parametrize("weighting", ["per_person", "per_comment"])
def test_10000_comments_with_throttling_and_a_crash_make_one_entry_each(
    graph_post, monkeypatch, weighting
):
    # given: a closed giveaway, its 10,000 comments served 25 a page with overlaps
    promotion, source = giveaway(
        open_now=False, weighting=weighting, keyword="#winbig", blocklist="666"
    )
    rows, expected = _world(promotion)
    graph_post.state["posts"][POST_ID]["comments"] = rows
    graph_post.state["max_limit"] = 25
    graph_post.state["overlap"] = 1
    pages, sleeps = [], []

    def progress(n):
        pages.append(n)
        if len(pages) == 100:  # Graph throttles twice, then answers again
            graph_post.fail_next("GET", rf"/{POST_ID}/comments", throttled(17), times=2)
        if len(pages) == 150:
            graph_post.fail_next("GET", rf"/{POST_ID}/comments", server_error())

    original = comment_entries.comment_entries_apply
    calls = []

    def crashing(**kwargs):
        calls.append(1)
        done = original(**kwargs)
        if len(calls) == 250:  # the worker dies in the middle of storing a page
            raise RuntimeError("worker killed")
        return done

    monkeypatch.setattr(comment_entries, "comment_entries_apply", crashing)

    # when: the import crashes, then runs again
    with pytest.raises(RuntimeError, match="worker killed"):
        importer.social_promotion_import(
            promotion=promotion, sleep=sleeps.append, progress=progress
        )
    source.refresh_from_db()
    stored_at_crash = SocialComment.objects.count()
    assert source.cursor and source.lease_until is None
    assert 0 < stored_at_crash < 10_000
    monkeypatch.setattr(comment_entries, "comment_entries_apply", original)
    resumed_from = len(graph_post.requests)
    result = importer.social_promotion_import(promotion=promotion, sleep=sleeps.append)

    # then: every comment stored once, one entry per eligible comment (or person)
    assert result.complete, result.errors
    first_calls = [
        c for c in graph_post.calls("GET", rf"/{POST_ID}/comments") if "after" not in c.query
    ]
    assert len(first_calls) == 1, "the second run resumed from the stored cursor"
    assert "after" in graph_post.requests[resumed_from].query
    assert all(c.query["filter"] == "stream" and c.query["limit"] == "100" for c in first_calls)
    assert sleeps[:2] == [pytest.approx(0.04), pytest.approx(0.05)]  # throttled: 4 x backoff
    entries, reasons = _expected_counts(expected, weighting)
    assert SocialComment.objects.count() == 10_000
    assert Entry.objects.filter(promotion=promotion).count() == entries
    assert Entry.objects.filter(promotion=promotion, status="valid").count() == entries
    got = Counter(SocialComment.objects.filter(status="excluded").values_list("reason", flat=True))
    assert got == reasons
    assert SocialComment.objects.filter(status="entered").count() == entries
    assert not SocialComment.objects.filter(status="excluded", reason="").exists()
    stored = dict(SocialComment.objects.values_list("comment_id", "rule_reason"))
    assert stored == {cid: reason for cid, (_, _, reason) in expected.items()}
    assert SocialComment.objects.filter(parent_id__gt="").count() == sum(
        1 for r in rows if "parent" in r
    )
    if weighting == "per_comment":
        entered = SocialComment.objects.filter(status="entered")
        assert entered.values("entry").distinct().count() == entries

    # and: another full pass changes nothing
    again = importer.social_promotion_import(promotion=promotion, sleep=sleeps.append)
    assert again.new == 0 and again.entries_created == 0 and again.deleted == 0
    assert Entry.objects.filter(promotion=promotion).count() == entries
    assert SocialSource.objects.get(pk=source.pk).pass_number == 2


def test_an_edited_comment_is_judged_again_and_a_deleted_one_is_excluded(graph_post):
    promotion, _source = giveaway(keyword="win", weighting="per_comment")
    now = timezone.now() - timedelta(hours=1)
    posted = [
        graph_comments.comment(f"{POST}_1", author="11", message="I want to win", at=now),
        graph_comments.comment(f"{POST}_2", author="12", message="hello", at=now),
    ]
    graph_post.state["posts"][POST_ID]["comments"] = posted
    importer.social_promotion_import(promotion=promotion)
    assert Entry.objects.filter(promotion=promotion, status="valid").count() == 1

    # when: 12 edits in the keyword, 11 deletes theirs
    posted[1]["message"] = "ok, WIN please"
    del posted[0]
    result = importer.social_promotion_import(promotion=promotion)

    # then
    assert result.deleted == 1
    one, two = SocialComment.objects.order_by("comment_id")
    assert (one.status, one.reason, one.deleted_at is not None) == ("excluded", "deleted", True)
    assert (two.status, two.reason, two.edited_at is not None) == ("entered", "", True)
    assert one.entry.status == "excluded" and "Deleted" in one.entry.exclusion_reason
    assert two.entry.status == "valid"


def test_per_person_a_deleted_first_comment_passes_the_entry_to_the_next(graph_post):
    promotion, source = giveaway()
    at = timezone.now() - timedelta(hours=3)
    posted = [
        graph_comments.comment(
            f"{POST}_{i}", author="21", message="me!", at=at + timedelta(minutes=i)
        )
        for i in range(3)
    ]
    graph_post.state["posts"][POST_ID]["comments"] = posted
    importer.social_promotion_import(promotion=promotion)
    assert list(SocialComment.objects.values_list("reason", flat=True)) == ["", "repeat", "repeat"]

    comments.social_comment_remove(source=source, comment_ids=[f"{POST}_0"])

    assert list(SocialComment.objects.values_list("reason", flat=True)) == ["deleted", "", "repeat"]
    entry = Entry.objects.get(promotion=promotion)
    assert entry.status == "valid"
    assert set(SocialComment.objects.values_list("entry", flat=True)) == {entry.pk}


def test_instagram_media_comments_and_their_replies_with_mentions(fake_graph):
    promotion, fb_source = giveaway(min_mentions=0)
    media_id = "17900000000000001"
    at = timezone.now() - timedelta(hours=1)
    replies = [
        graph_comments.ig_comment(
            f"1790000000000{i:04d}", author=f"3{i}", username=f"fan{i}", text=f"@a @b #{i}", at=at
        )
        for i in range(30)
    ]
    graph_comments.media_add(
        fake_graph,
        media_id=media_id,
        token=fb_source.page.access_token,
        comments=[
            graph_comments.ig_comment(
                "1780000000000001",
                author="41",
                username="x",
                text="@one @two",
                at=at,
                replies=replies,
            ),
            graph_comments.ig_comment(
                "1780000000000002", author="42", username="y", text="@one @one", at=at
            ),
            graph_comments.ig_comment(
                "1780000000000003", author="43", username="brandgram", text="@a @b", at=at
            ),
        ],
    )
    fb_source.delete()
    source = SocialSource.objects.create(
        promotion=promotion, page=fb_source.page, platform="instagram", object_id=media_id
    )
    promotion.social_rules.min_mentions = 2
    promotion.social_rules.save()

    result = importer.social_promotion_import(promotion=promotion)

    assert result.complete and result.read == 33
    assert fake_graph.calls("GET", r"/1780000000000001/replies"), "the replies' second page"
    reasons = Counter(SocialComment.objects.filter(source=source).values_list("reason", flat=True))
    assert reasons == {"": 31, "few_mentions": 1, "page_own": 1}
    assert Entry.objects.filter(promotion=promotion, source="instagram").count() == 31


def test_reactions_are_entries_when_the_rules_say_so(graph_post):
    promotion, _source = giveaway(entry_kind="reactions")
    graph_post.state["posts"][POST_ID]["reactions"] = [
        {"id": "51", "type": "LIKE"},
        {"id": "52", "type": "LOVE"},
        {"id": PAGE_ID, "type": "LIKE"},
    ]
    importer.social_promotion_import(promotion=promotion)
    assert Counter(SocialComment.objects.values_list("kind", "reason")) == {
        ("reaction", ""): 2,
        ("reaction", "page_own"): 1,
    }
    assert Entry.objects.filter(promotion=promotion).count() == 2


def test_a_reaction_taken_back_and_given_again_counts_again(graph_post):
    promotion, _source = giveaway(entry_kind="reactions")
    reactions = graph_post.state["posts"][POST_ID]["reactions"]
    valid = Entry.objects.filter(promotion=promotion, status="valid")
    reactions[:] = [{"id": "51", "type": "LIKE"}, {"id": "52", "type": "LOVE"}]
    importer.social_promotion_import(promotion=promotion)
    both = valid.count()

    reactions[:] = [{"id": "52", "type": "LOVE"}]  # 51 takes the like back
    importer.social_promotion_import(promotion=promotion)
    one = valid.count()
    reactions[:] = [{"id": "51", "type": "LIKE"}, {"id": "52", "type": "LOVE"}]  # and again
    importer.social_promotion_import(promotion=promotion)

    assert (both, one, valid.count()) == (2, 1, 2)
    again = SocialComment.objects.get(comment_id=f"{POST_ID}:r:51")
    assert (again.status, again.reason, again.deleted_at) == ("entered", "", None)


def test_an_expired_token_stops_the_import_and_says_so(graph_post):
    promotion, source = giveaway()
    graph_post.state["tokens"].clear()

    result = importer.social_promotion_import(promotion=promotion)

    assert not result.complete
    source.refresh_from_db()
    assert "token" in source.last_error
    assert source.page.__class__.objects.get(pk=source.page_id).token_status == "expired"


def test_busy_rate_limit_slows_the_import_down(graph_post, settings):
    promotion, _ = giveaway()
    at = timezone.now() - timedelta(hours=1)
    graph_post.state["posts"][POST_ID]["comments"] = [
        graph_comments.comment(f"{POST}_{i}", author=f"{i + 100}", message="hi", at=at)
        for i in range(3)
    ]
    graph_post.state["usage"] = 95
    sleeps = []

    importer.social_promotion_import(promotion=promotion, sleep=sleeps.append)

    assert sleeps and sleeps[0] > 0


def test_the_command_prints_counts(graph_post, capsys):
    promotion, _ = giveaway(keyword="yes")
    at = timezone.now() - timedelta(hours=1)
    graph_post.state["posts"][POST_ID]["comments"] = [
        graph_comments.comment(f"{POST}_1", author="61", message="yes", at=at),
        graph_comments.comment(f"{POST}_2", author="62", message="no", at=at),
    ]

    call_command("social_import", "--promotion", str(promotion.pk))

    out = capsys.readouterr().out
    assert "read 2" in out and "new entries 1" in out and "no_keyword: 1" in out


def test_a_rules_change_judges_every_stored_comment_again(
    graph_post, django_capture_on_commit_callbacks
):
    promotion, _ = giveaway(keyword="yes", weighting="per_comment")
    at = timezone.now() - timedelta(hours=1)
    graph_post.state["posts"][POST_ID]["comments"] = [
        graph_comments.comment(f"{POST}_1", author="71", message="yes", at=at),
        graph_comments.comment(f"{POST}_2", author="72", message="sure", at=at),
    ]
    importer.social_promotion_import(promotion=promotion)
    rules = promotion.social_rules
    rules.keyword = "sure"

    with django_capture_on_commit_callbacks(execute=True):
        services.social_rules_save(rules=rules)  # the worker judges again (sync in tests)

    assert dict(SocialComment.objects.values_list("comment_id", "reason")) == {
        f"{POST}_1": "no_keyword",
        f"{POST}_2": "",
    }
    assert sorted(Entry.objects.values_list("status", flat=True)) == ["excluded", "valid"]


def test_a_comment_a_webhook_brought_during_a_pass_is_not_taken_for_deleted(graph_post):
    _promotion, source = giveaway()
    at = timezone.now() - timedelta(hours=1)
    graph_post.state["posts"][POST_ID]["comments"] = [
        graph_comments.comment(f"{POST}_1", author="73", message="a", at=at)
    ]
    source = comments.social_pass_start(source=source)
    comments.social_comments_store(
        source=source,
        comments=[ReadComment(f"{POST}_2", "comment", "", "74", "", "b", at)],
        at=timezone.now() + timedelta(seconds=1),
    )
    importer.social_source_import(
        source=SocialSource.objects.select_related("page", "promotion").get(pk=source.pk)
    )

    assert not SocialComment.objects.filter(deleted_at__isnull=False).exists()
    assert SocialComment.objects.filter(status="entered").count() == 2


def test_a_reaction_on_a_comment_giveaway_is_not_a_candidate(graph_post):
    _promotion, source = giveaway()
    result = comments.social_comments_store(
        source=source,
        comments=[ReadComment(f"{POST_ID}:r:75", "reaction", "", "75", "", "LIKE", timezone.now())],
    )

    assert result.new == 0 and not SocialComment.objects.exists()
