"""Entering through the tab: email sign-in link, the form, the JSON variant, every rule."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from promotions.entrants.services import email_normalize
from promotions.entries.refusals import Refused
from promotions.models import Consent, ConsentText, Entry, EntryFrequency, Identity, Person, Status
from tests.factories.promotions import IdentityFactory, PersonFactory, PromotionFactory
from tests.promotions.conftest import ENTRY_FORM, ENTRY_JSON, sign_in
from tests.promotions.entering import enter

pytestmark = pytest.mark.django_db


def enter_url(promotion):
    return promotion.get_absolute_url() + "enter/"


def test_a_consumer_signs_in_by_email_link_and_enters(consumer):
    # given
    promotion = PromotionFactory(title="Win a Nova X")
    tab = consumer.get(promotion.get_absolute_url())
    assert tab.status_code == 200
    assert "Email me a sign-in link" in tab.content.decode()

    # when: they ask for a link
    sent = consumer.post(
        promotion.get_absolute_url() + "identify/", {"email": "Camille@Example.com"}
    )

    # then: one email with a link back to this promotion
    assert sent.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["Camille@Example.com"]
    link = re.search(r"http://testserver(/p/\S+)", mail.outbox[0].body).group(1)

    # when: they open it
    opened = consumer.get(link)

    # then: signed in, back on the promotion
    assert opened.status_code == 302
    assert opened["Location"] == promotion.get_absolute_url() + "?lang=en#take-part"
    person = Person.objects.get()
    assert person.email_normalized == "camille@example.com"
    assert Identity.objects.get().provider == Identity.Provider.EMAIL
    form_page = consumer.get(promotion.get_absolute_url()).content.decode()
    assert "Enter now" in form_page and "Signed in as Camille@Example.com." in form_page

    # when: they enter
    entered = consumer.post(enter_url(promotion), ENTRY_FORM)

    # then
    assert entered.status_code == 302
    entry = Entry.objects.get()
    assert (entry.promotion, entry.person, entry.country) == (promotion, person, "FR")
    page = consumer.get(promotion.get_absolute_url()).content.decode()
    assert "You're in!" in page
    assert f"Entry number {entry.public_id}" in page
    assert "You have already entered: one entry per person." in page


def test_consents_are_recorded_with_the_version_of_their_text_and_the_time(consumer):
    promotion = PromotionFactory(official_rules="Rules v1.", marketing_text="Send me news")
    person = PersonFactory()
    sign_in(consumer, person)

    consumer.post(enter_url(promotion), {**ENTRY_FORM, "marketing": "on"})

    consents = {c.text.kind: c for c in Consent.objects.select_related("text")}
    assert sorted(consents) == ["facebook_release", "marketing", "official_rules", "privacy"]
    rules = consents[ConsentText.Kind.OFFICIAL_RULES]
    assert rules.text.text == "Rules v1."
    assert rules.text.version.startswith("official_rules:en:") and len(rules.text.version) == 34
    assert rules.text.language == "en"
    assert abs(rules.given_at - timezone.now()) < timedelta(minutes=1)


def test_marketing_opt_in_is_optional_and_unticked(consumer):
    promotion = PromotionFactory(marketing_text="Send me news")
    sign_in(consumer, PersonFactory())

    page = consumer.get(promotion.get_absolute_url()).content.decode()
    response = consumer.post(enter_url(promotion), ENTRY_FORM)

    assert (
        re.search(r'<input type="checkbox" name="marketing"[^>]*>', page).group(0).count("checked")
        == 0
    )
    assert response.status_code == 302
    assert not Consent.objects.filter(text__kind="marketing").exists()


@pytest.mark.parametrize(
    ("promotion_kwargs", "form_changes", "status", "message"),
    [
        (
            {"min_age": 18},
            {"birth_date": (timezone.now() - timedelta(days=365 * 15)).date().isoformat()},
            400,
            "You must be 18 or older to enter.",
        ),
        ({"min_age": 18}, {"birth_date": ""}, 400, "Enter your date of birth."),
        (
            {"countries": "FR, BE"},
            {"country": "DE"},
            400,
            "This promotion is open to residents of Belgium, France only.",
        ),
        ({}, {"accept_rules": ""}, 400, "Accept the official rules to enter."),
        ({}, {"accept_privacy": ""}, 400, "Accept the privacy notice to enter."),
        (
            {},
            {"accept_facebook": ""},
            400,
            "Confirm that you release Facebook and that this promotion is not associated with it.",
        ),
        ({}, {"name": " "}, 400, "Enter your name, so that we can contact you."),
        ({}, {"birth_date": "30/02/2001"}, 400, "Enter a date such as 2001-04-30."),
    ],
)
def test_each_ineligible_answer_is_refused_with_its_reason(
    consumer, promotion_kwargs, form_changes, status, message
):
    promotion = PromotionFactory(**promotion_kwargs)
    sign_in(consumer, PersonFactory())

    response = consumer.post(enter_url(promotion), {**ENTRY_FORM, **form_changes})

    assert response.status_code == status
    assert message in response.content.decode()
    assert Entry.objects.count() == 0


def test_every_form_problem_is_listed_at_once(consumer):
    promotion = PromotionFactory(countries="FR")
    sign_in(consumer, PersonFactory())

    response = consumer.post(enter_url(promotion), {"name": "", "country": "", "birth_date": ""})

    body = response.content.decode()
    assert response.status_code == 400
    for message in [
        "Enter your name, so that we can contact you.",
        "Choose your country of residence.",
        "Enter your date of birth.",
        "Accept the official rules to enter.",
        "Accept the privacy notice to enter.",
    ]:
        assert message in body
    assert 'aria-invalid="true"' in body


def test_the_day_and_the_window_are_read_in_the_campaigns_time_zone(consumer):
    # given: a Paris brand's campaign for Japan, once a day
    promotion = PromotionFactory(
        entry_frequency=EntryFrequency.DAILY, campaign__timezone="Asia/Tokyo"
    )
    person = PersonFactory()
    tokyo = ZoneInfo("Asia/Tokyo")
    late = (timezone.now() - timedelta(days=2)).astimezone(tokyo).replace(hour=23, minute=30)

    # when: they enter at 23:30 in Tokyo, again at 00:30 (16:30 the same day in Paris),
    # and once more an hour later
    enter(promotion, person, at=late)
    enter(promotion, person, at=late + timedelta(hours=1))
    with pytest.raises(Refused) as refused:
        enter(promotion, person, at=late + timedelta(hours=2))

    # then: Tokyo's midnight opened the new day; the refusal says when in Tokyo's time
    assert Entry.objects.filter(person=person).count() == 2
    tomorrow = (late + timedelta(days=2)).date()  # the day after the second entry's
    assert refused.value.refusals[0].message == (
        "You have already entered today. You can enter again from "
        f"{tomorrow.day} {tomorrow:%B} {tomorrow.year}, 00:00 (Asia/Tokyo)."
    )
    tab = consumer.get(promotion.get_absolute_url()).content.decode()
    ends = promotion.ends_at.astimezone(tokyo)
    assert f"Open until {ends.day} {ends:%B} {ends.year}, {ends:%H:%M}" in tab
    assert "(Asia/Tokyo)" in tab and "Europe/Paris" not in tab


def test_a_campaign_without_a_zone_of_its_own_keeps_its_brands(consumer):
    promotion = PromotionFactory(campaign__brand__timezone="America/New_York")

    assert promotion.campaign.zone_name == "America/New_York"
    assert "(America/New_York)" in consumer.get(promotion.get_absolute_url()).content.decode()


def test_closed_promotion_answers_410_with_a_friendly_message(consumer):
    promotion = PromotionFactory(ends_at=timezone.now() - timedelta(minutes=1))
    sign_in(consumer, PersonFactory())

    response = consumer.post(enter_url(promotion), ENTRY_FORM)

    assert response.status_code == 410
    assert f"{promotion.title} has ended" in response.content.decode()


def test_entering_twice_is_refused_once_per_person(consumer):
    promotion = PromotionFactory()
    sign_in(consumer, PersonFactory())
    consumer.post(enter_url(promotion), ENTRY_FORM)

    response = consumer.post(enter_url(promotion), ENTRY_JSON, content_type="application/json")

    assert response.status_code == 409
    assert response.json() == {
        "error": {
            "code": "already_entered",
            "message": "You have already entered: one entry per person.",
            "fields": {},
        }
    }
    assert Entry.objects.count() == 1


def test_daily_entries_reopen_at_local_midnight(consumer):
    promotion = PromotionFactory(entry_frequency=EntryFrequency.DAILY)
    sign_in(consumer, PersonFactory())
    consumer.post(enter_url(promotion), ENTRY_FORM)

    response = consumer.post(enter_url(promotion), ENTRY_FORM)

    tomorrow = (
        timezone.now().astimezone(promotion.campaign.brand.tzinfo) + timedelta(days=1)
    ).date()
    assert response.status_code == 409
    body = response.content.decode()
    assert "You have already entered today. You can enter again from" in body
    assert f"{tomorrow.day} {tomorrow:%B} {tomorrow.year}, 00:00 (Europe/Paris)" in body


def test_n_entries_in_total(consumer):
    promotion = PromotionFactory(entry_frequency=EntryFrequency.TOTAL, max_entries=2)
    sign_in(consumer, PersonFactory())

    statuses = [
        consumer.post(enter_url(promotion), ENTRY_JSON, content_type="application/json").status_code
        for _ in range(3)
    ]
    last = consumer.post(enter_url(promotion), ENTRY_JSON, content_type="application/json")

    assert statuses == [201, 201, 409]
    assert last.json()["error"]["message"] == "You have used all 2 of your entries."
    assert sorted(Entry.objects.values_list("slot", flat=True)) == ["1", "2"]


def test_json_entry_answers_201_with_the_entry(consumer):
    promotion = PromotionFactory()
    sign_in(consumer, PersonFactory())

    response = consumer.post(enter_url(promotion), ENTRY_JSON, content_type="application/json")

    entry = Entry.objects.get()
    assert response.status_code == 201
    assert response.json() == {
        "entry": entry.public_id,
        "created_at": entry.created_at.isoformat(),
        "under_review": False,
    }


@pytest.mark.parametrize(
    ("body", "code", "fields"),
    [
        (b"{not json", "invalid", {}),
        (b"[1, 2]", "invalid", {}),
        (b'{"name": "A", "shoe_size": 42}', "invalid", {"shoe_size": ["Unknown field."]}),
        (
            b'{"name": "A", "birth_date": "yesterday"}',
            "invalid",
            {"birth_date": ["Enter a date such as 2001-04-30."]},
        ),
    ],
)
def test_bad_json_is_a_400_in_the_error_format(consumer, body, code, fields):
    promotion = PromotionFactory()
    sign_in(consumer, PersonFactory())

    response = consumer.post(enter_url(promotion), body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["fields"] == fields


def test_json_refusals_name_their_fields(consumer):
    promotion = PromotionFactory(countries="BE")
    sign_in(consumer, PersonFactory())

    response = consumer.post(
        enter_url(promotion), {**ENTRY_JSON, "accept_rules": False}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "country": ["This promotion is open to residents of Belgium only."],
        "accept_rules": ["Accept the official rules to enter."],
    }


def test_entering_without_signing_in_is_a_401(consumer):
    promotion = PromotionFactory()

    as_json = consumer.post(enter_url(promotion), ENTRY_JSON, content_type="application/json")
    as_form = consumer.post(enter_url(promotion), ENTRY_FORM)

    assert as_json.status_code == 401
    assert as_json.json()["error"]["code"] == "identity_required"
    assert as_form.status_code == 401
    assert "Sign in with Facebook or confirm your email address first." in as_form.content.decode()


def test_draft_promotions_take_no_entries(consumer):
    promotion = PromotionFactory(status=Status.DRAFT)
    sign_in(consumer, PersonFactory())

    assert consumer.post(enter_url(promotion), ENTRY_FORM).status_code == 404


def test_one_person_however_they_sign_in_by_email():
    # given: the same Gmail mailbox written three ways
    first = email_normalize("Jane.Doe+promo@GMail.com")

    # then
    assert first == email_normalize("janedoe@googlemail.com") == "janedoe@gmail.com"
    assert email_normalize("Bob+x@Example.COM") == "bob@example.com"


def test_email_links_of_one_mailbox_sign_in_the_same_person(consumer):
    promotion = PromotionFactory()
    for email in ["Jane.Doe@gmail.com", "janedoe+nova@googlemail.com"]:
        consumer.post(promotion.get_absolute_url() + "identify/", {"email": email})
    links = [re.search(r"http://testserver(/p/\S+)", m.body).group(1) for m in mail.outbox]

    for link in links:
        assert consumer.get(link).status_code == 302

    assert Person.objects.count() == 1
    assert Identity.objects.count() == 1


def _email_link(consumer, promotion, email):
    consumer.get(promotion.get_absolute_url())  # the tab first: this browser's device cookie
    consumer.post(promotion.get_absolute_url() + "identify/", {"email": email})
    return re.search(r"http://testserver(/p/\S+)", mail.outbox[-1].body).group(1)


def test_confirming_an_email_while_signed_in_with_facebook_keeps_one_entrant(consumer):
    # given: signed in with Facebook (no address shared), entered once
    promotion = PromotionFactory()
    facebook = IdentityFactory(
        person=PersonFactory(email="", email_normalized=None, name="Camille M"),
        provider=Identity.Provider.FACEBOOK,
        subject="10203040",
    ).person
    link = _email_link(consumer, promotion, "Camille@Example.com")
    sign_in(consumer, facebook)
    assert consumer.post(enter_url(promotion), ENTRY_FORM).status_code == 302

    # when: they open the email link on the same browser
    assert consumer.get(link).status_code == 302

    # then: the address is that person's, and they cannot enter a second time
    assert Person.objects.count() == 1
    facebook.refresh_from_db()
    assert (facebook.email, facebook.email_normalized) == (
        "Camille@Example.com",
        "camille@example.com",
    )
    assert sorted(Identity.objects.values_list("provider", "person")) == [
        ("email", facebook.pk),
        ("facebook", facebook.pk),
    ]
    assert consumer.post(enter_url(promotion), ENTRY_FORM).status_code == 409
    assert Entry.objects.count() == 1


def test_an_address_that_is_someones_stays_theirs_when_confirmed_elsewhere_signed_in(consumer):
    promotion = PromotionFactory()
    owner = PersonFactory(email="jane@example.com", email_normalized="jane@example.com")
    other = PersonFactory(email="other@example.com", email_normalized="other@example.com")
    link = _email_link(consumer, promotion, "jane@example.com")
    sign_in(consumer, other)

    consumer.get(link)

    assert consumer.session["promotions.person"] == owner.pk
    assert Identity.objects.get().person == owner
    other.refresh_from_db()
    assert other.email_normalized == "other@example.com"


def test_a_tampered_or_expired_link_is_refused(consumer, settings):
    promotion = PromotionFactory()
    consumer.post(promotion.get_absolute_url() + "identify/", {"email": "a@example.com"})
    link = re.search(r"http://testserver(/p/\S+)", mail.outbox[0].body).group(1)

    tampered = consumer.get(link[:-3] + "abc")
    settings.PROMOTIONS_EMAIL_LINK_MAX_AGE = -1
    expired = consumer.get(link)

    assert tampered.status_code == 400 and expired.status_code == 400
    assert "This link is invalid or has expired." in expired.content.decode()
    assert Person.objects.count() == 0


def test_an_invalid_email_is_a_form_error(consumer):
    promotion = PromotionFactory()

    page = consumer.post(promotion.get_absolute_url() + "identify/", {"email": "not-an-email"})
    api = consumer.post(
        promotion.get_absolute_url() + "identify/", {"email": "x"}, content_type="application/json"
    )

    assert page.status_code == 400 and "Enter a valid email address." in page.content.decode()
    assert api.status_code == 400 and api.json()["error"]["fields"]["email"]
    assert mail.outbox == []


def test_a_field_in_error_points_at_its_message(consumer):
    promotion = PromotionFactory()
    sign_in(consumer, PersonFactory())

    body = consumer.post(enter_url(promotion), {**ENTRY_FORM, "name": ""}).content.decode()

    field = re.search(r'<input type="text" name="name"[^>]*>', body).group(0)
    assert 'aria-describedby="id_name-error"' in field
    assert 'aria-invalid="true"' in field
    assert (
        '<p class="error" id="id_name-error">Enter your name, so that we can contact you.</p>'
        in body
    )


def test_an_address_with_nothing_before_its_tag_is_refused_clearly(consumer):
    promotion = PromotionFactory()

    response = consumer.post(
        promotion.get_absolute_url() + "identify/", {"email": "+promo@example.com"}
    )

    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    with pytest.raises(ValidationError):
        email_normalize("no-at-sign")


def test_the_rules_page_states_eligibility_and_the_facebook_release(consumer):
    promotion = PromotionFactory(
        countries="FR, BE", min_age=21, entry_frequency=EntryFrequency.DAILY
    )

    body = consumer.get(promotion.get_absolute_url() + "rules/").content.decode()

    assert "Residents of: Belgium, France." in body
    assert "Aged 21 or over on the day of entry." in body
    assert "One entry per person per day" in body
    assert "No purchase necessary" in body
    assert "in no way sponsored, endorsed, administered by or associated with Facebook" in body
    assert "completely releases Facebook from any liability" in body
