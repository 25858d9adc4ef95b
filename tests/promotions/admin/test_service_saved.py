"""Objects a service makes in admin (draws, winner replacements, API keys, report
subscriptions): Django logs and answers for the service's own object, and the service's
refusals are form errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from promotions.draws import services as draws_services
from promotions.models import Draw, DrawReplacement, Promotion
from tests.factories.promotions import EntryFactory, PrizeFactory, PromotionFactory
from tests.promotions.admin.conftest import admin_url
from tests.promotions.admin.forms import api_key_form
from tracking.models import ApiKey, ReportSubscription

pytestmark = pytest.mark.django_db


def form_errors(response) -> dict[str, list[str]]:
    assert response.status_code == 200, response.status_code
    return {k: list(v) for k, v in response.context["adminform"].form.errors.items()}


def draw_form(promotion, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "promotion": promotion.pk,
        "prize": "",
        "winners_count": "1",
        "alternates_count": "1",
        "reason": "",
    }
    data.update(overrides)
    return data


def added_log(obj) -> LogEntry:
    return LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(obj), action_flag=ADDITION
    )


def drawn(promotion: Promotion, *, entries: int = 3, alternates: int = 1) -> Draw:
    draw = draws_services.draw_commit(
        promotion=promotion, winners_count=1, alternates_count=alternates
    )
    for _ in range(entries):
        EntryFactory(promotion=promotion, created_at=timezone.now() - timedelta(hours=2))
    Promotion.objects.filter(pk=promotion.pk).update(ends_at=timezone.now() - timedelta(hours=1))
    return draws_services.draw_run(draw=draw)


def test_adding_a_draw_commits_it_and_leads_to_the_committed_draw(as_manager, alpha):
    response = as_manager.post(
        "/admin/promotions/draw/add/", draw_form(alpha.promotion, _continue="1")
    )

    draw = Draw.objects.get()
    assert response.status_code == 302
    assert response["Location"] == admin_url(draw)
    assert len(draw.seed_commitment) == 64 and draw.committed_at is not None
    log = added_log(draw)
    assert (log.object_id, log.object_repr) == (str(draw.pk), str(draw))


def test_a_second_draw_without_a_reason_is_a_form_error(as_manager, alpha):
    draws_services.draw_commit(promotion=alpha.promotion)

    response = as_manager.post("/admin/promotions/draw/add/", draw_form(alpha.promotion))

    assert form_errors(response) == {
        "reason": ["This promotion already has a draw: say why you draw again."]
    }
    assert Draw.objects.count() == 1


def test_a_draw_for_another_promotions_prize_is_a_form_error(as_manager, alpha):
    other = PromotionFactory(campaign=alpha.campaign, slug="other")
    prize = PrizeFactory(promotion=other)

    response = as_manager.post(
        "/admin/promotions/draw/add/", draw_form(alpha.promotion, prize=prize.pk)
    )

    assert form_errors(response) == {"prize": ["The prize belongs to another promotion."]}
    assert not Draw.objects.exists()


def test_a_refusal_at_commit_time_is_a_message_and_nothing_is_saved(as_manager, alpha, monkeypatch):
    # given: the form's check passes; right after it, someone else commits a draw
    check = draws_services.draw_commit_check
    calls: list[dict[str, object]] = []

    def check_then_someone_else_commits(**kwargs: object) -> None:
        calls.append(kwargs)
        check(**kwargs)  # type: ignore[arg-type]
        if len(calls) == 1:
            draws_services.draw_commit(promotion=alpha.promotion, reason="Parallel.")

    monkeypatch.setattr(draws_services, "draw_commit_check", check_then_someone_else_commits)

    # when
    response = as_manager.post(
        "/admin/promotions/draw/add/", draw_form(alpha.promotion), follow=True
    )

    # then: rolled back, the refusal said on the add page
    assert response.redirect_chain == [("/admin/promotions/draw/add/", 302)]
    messages = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert messages == [("error", "This promotion already has a draw: say why you draw again.")]
    assert not Draw.objects.exists()


def test_replacing_someone_who_is_not_a_winner_is_a_form_error(as_manager, alpha):
    draw = drawn(alpha.promotion)

    response = as_manager.post(
        "/admin/promotions/drawreplacement/add/",
        {"draw": draw.pk, "replaced_entry": draw.alternates[0], "reason": "No answer."},
    )

    assert form_errors(response) == {
        "__all__": [f"{draw.alternates[0]} is not a current winner of this draw."]
    }
    assert not DrawReplacement.objects.exists()


def test_replacing_a_winner_when_no_alternate_is_left_is_a_form_error(as_manager, alpha):
    draw = drawn(alpha.promotion, alternates=0)

    response = as_manager.post(
        "/admin/promotions/drawreplacement/add/",
        {"draw": draw.pk, "replaced_entry": draw.winners[0], "reason": "No answer."},
    )

    assert form_errors(response) == {
        "__all__": ["No alternate is left: commit a new draw (with its reason)."]
    }


def test_a_replacement_is_logged_as_the_replacement_the_service_made(as_manager, manager, alpha):
    draw = drawn(alpha.promotion)

    response = as_manager.post(
        "/admin/promotions/drawreplacement/add/",
        {"draw": draw.pk, "replaced_entry": draw.winners[0], "reason": "No answer."},
    )

    assert response.status_code == 302
    made = DrawReplacement.objects.get()
    assert (made.replacement_entry, made.replaced_by) == (draw.alternates[0], manager)
    assert added_log(made).object_id == str(made.pk)


def test_a_new_api_key_is_logged_as_the_key_the_service_made(as_manager, alpha):
    response = as_manager.post("/admin/tracking/apikey/add/", api_key_form([alpha.brand]))

    assert response.status_code == 200
    key = ApiKey.objects.get(name="Agency X")
    assert response.context["key"] == key
    log = added_log(key)
    assert (log.object_id, log.object_repr) == (str(key.pk), str(key))


def test_a_new_report_subscription_is_made_by_its_service(as_manager, alpha, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    response = as_manager.post(
        "/admin/tracking/reportsubscription/add/",
        {
            "brand": alpha.brand.pk,
            "name": "Agency daily",
            "url": "http://127.0.0.1:9/hooks",
            "schedule": "daily",
            "level": "campaign",
            "time_increment": "1",
            "format": "json",
            "active": "on",
            "_continue": "1",
        },
    )

    subscription = ReportSubscription.objects.get()
    assert response.status_code == 302
    assert response["Location"] == admin_url(subscription)
    assert subscription.secret.startswith("whsec_") and subscription.next_run_at is not None
    assert added_log(subscription).object_id == str(subscription.pk)
