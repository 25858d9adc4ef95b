"""Brand scoping for the marketer admin: a brand membership is the source of truth.

A staff user sees only the brands they belong to (``BrandMembership``) and what hangs off
them; the membership's role decides what they may do there:

* ``manager``: view, add, change and delete the brand's campaigns, promotions and API keys,
  and change the brand itself;
* ``analyst``: view only.

Nobody has to tick Django model permissions for this: ``BrandScopedAdminMixin`` answers
every ``has_*_permission`` from the memberships (superusers keep seeing everything).
Creating or deleting brands and memberships is for superusers only.

Every place where another brand could show through is scoped: changelist querysets,
foreign-key and many-to-many choices, list filter choices (``ScopedRelatedFilter``),
per-object permissions (a direct URL to another brand's object answers as if it did not
exist) and bulk actions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from promotions.models import (
    AlertIncident,
    AlertRule,
    Brand,
    BrandMembership,
    Campaign,
    CouponCode,
    Draw,
    DrawReplacement,
    Entry,
    Flag,
    JuryScore,
    Person,
    Prize,
    Promotion,
    PromotionCountryRule,
    Submission,
    Vote,
    WinningMoment,
)
from tracking.models import ApiKey, ReportDelivery, ReportPush, ReportSubscription

MANAGER = BrandMembership.Role.MANAGER

# What hangs off a promotion reaches its brand through this lookup path.
BRAND_PATHS: dict[type[Model], str] = {
    Entry: "promotion__campaign__brand_id",
    Prize: "promotion__campaign__brand_id",
    PromotionCountryRule: "promotion__campaign__brand_id",
    CouponCode: "promotion__campaign__brand_id",
    Submission: "promotion__campaign__brand_id",
    Vote: "promotion__campaign__brand_id",
    Draw: "promotion__campaign__brand_id",
    Flag: "entry__promotion__campaign__brand_id",
    WinningMoment: "prize__promotion__campaign__brand_id",
    JuryScore: "submission__promotion__campaign__brand_id",
    DrawReplacement: "draw__promotion__campaign__brand_id",
    AlertRule: "campaign__brand_id",
    AlertIncident: "rule__campaign__brand_id",
    ReportSubscription: "brand_id",
    ReportPush: "subscription__brand_id",
    ReportDelivery: "push__subscription__brand_id",
}


def register_brand_paths(paths: dict[type[Model], str]) -> None:
    """Let another app say how its models reach their brand: ``{Model: "lookup__brand_id"}``.

    Registered models are scoped like those above (querysets, objects, form choices), so
    that app's admin uses ``BrandScopedAdminMixin`` as it is. A model keeps one path.
    """
    for model, path in paths.items():
        if BRAND_PATHS.get(model, path) != path:
            raise ValueError(f"{model.__name__} already reaches its brand by {BRAND_PATHS[model]}.")
        BRAND_PATHS[model] = path


# An entrant may have entered several brands' promotions: they belong to all of them.
PERSON_BRAND_PATH = "entries__promotion__campaign__brand_id"
_CACHE_ATTR = "_brand_roles_cache"


def is_superuser(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_superuser)


def brand_roles(request: HttpRequest) -> dict[int, str]:
    """``{brand_id: role}`` of the requesting staff user, read once per request."""
    cached: dict[int, str] | None = getattr(request, _CACHE_ATTR, None)
    if cached is None:
        user = request.user
        if user.is_active and user.is_staff:
            cached = dict(
                BrandMembership.objects.filter(user_id=user.pk).values_list("brand_id", "role")
            )
        else:
            cached = {}
        setattr(request, _CACHE_ATTR, cached)
    return cached


def viewable_brand_ids(request: HttpRequest) -> set[int]:
    return set(brand_roles(request))


def editable_brand_ids(request: HttpRequest) -> set[int]:
    return {brand_id for brand_id, role in brand_roles(request).items() if role == MANAGER}


def object_brand_ids(obj: Model) -> set[int]:
    """The brands an object belongs to (an API key may belong to several)."""
    if isinstance(obj, Brand):
        return {obj.pk} if obj.pk else set()
    if isinstance(obj, BrandMembership | Campaign):
        return {obj.brand_id} if obj.brand_id else set()
    if isinstance(obj, Promotion):
        if not obj.campaign_id:
            return set()
        return {obj.campaign.brand_id}
    if isinstance(obj, ApiKey):
        if not obj.pk:
            return set()
        return set(obj.brands.values_list("pk", flat=True))
    path = PERSON_BRAND_PATH if isinstance(obj, Person) else BRAND_PATHS.get(type(obj))
    if path is not None:
        if not obj.pk:
            return set()
        ids = type(obj)._default_manager.filter(pk=obj.pk).values_list(path, flat=True)
        return {i for i in ids if i is not None}
    raise TypeError(f"No brand scoping rule for {type(obj).__name__}.")


def scope_queryset(qs: QuerySet[Any], brand_ids: Iterable[int]) -> QuerySet[Any]:
    """Only the rows of ``qs`` that belong to ``brand_ids`` (and to nothing else)."""
    ids = list(brand_ids)
    model = qs.model
    if model is Brand:
        return qs.filter(pk__in=ids)
    if model is BrandMembership or model is Campaign:
        return qs.filter(brand_id__in=ids)
    if model is Promotion:
        return qs.filter(campaign__brand_id__in=ids)
    if model is ApiKey:
        # A key shared with a brand the user does not belong to stays out of sight:
        # showing it would show that brand's name too.
        foreign = ApiKey.brands.through.objects.exclude(brand_id__in=ids).values("apikey_id")
        return qs.filter(brands__in=ids).exclude(pk__in=foreign).distinct()
    if model is Person:
        elsewhere = Entry.objects.exclude(promotion__campaign__brand_id__in=ids).values("person_id")
        return (
            qs.filter(entries__promotion__campaign__brand_id__in=ids)
            .exclude(pk__in=elsewhere)
            .distinct()
        )
    if model in BRAND_PATHS:
        return qs.filter(**{f"{BRAND_PATHS[model]}__in": ids})
    raise TypeError(f"No brand scoping rule for {model.__name__}.")


def choices_queryset(request: HttpRequest, model: type[Model]) -> QuerySet[Any] | None:
    """What a form may point at: objects of brands the user manages (all for superusers)."""
    if model is Brand:
        qs: QuerySet[Any] = Brand.objects.all()
    elif model is Campaign:
        qs = Campaign.objects.select_related("brand").order_by("brand__name", "name")
    elif model is Promotion:
        qs = Promotion.objects.select_related("campaign__brand")
    elif model in BRAND_PATHS:
        qs = model._default_manager.all()
    elif model is get_user_model():
        # Memberships: only superusers create them, and only staff can use the admin.
        if not is_superuser(request):
            return model._default_manager.none()
        return model._default_manager.filter(is_active=True, is_staff=True).order_by("username")
    else:
        return None
    if is_superuser(request):
        return qs
    return scope_queryset(qs, editable_brand_ids(request))


class ScopedRelatedFilter(admin.RelatedOnlyFieldListFilter):
    """A related-object filter that offers only what the user's changelist holds.

    Django's ``RelatedFieldListFilter`` lists every row of the related table (every
    brand's name in the sidebar); this one lists only the values found in the
    (brand-scoped) queryset of the admin it sits in. An "empty" choice is offered only
    where the relation may be empty.
    """

    @property
    def include_empty_choice(self) -> bool:
        field = self.field
        return bool(field.null or (field.many_to_many and field.blank))


class SuperuserAuditAdmin(admin.ModelAdmin):
    """A read-only record that belongs to no brand (webhooks received, deletion requests):
    superusers read it, nobody adds, changes or deletes it from the admin."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_superuser(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_superuser(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class BrandScopedAdminMixin:
    """Membership-based permissions and querysets for a ModelAdmin or an inline.

    Set ``superuser_only_add`` / ``superuser_only_delete`` / ``superuser_only_change`` for
    models only superusers create, remove or change (brands, memberships).
    """

    superuser_only_add = False
    superuser_only_change = False
    superuser_only_delete = False

    # --- querysets ------------------------------------------------------------------
    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)  # type: ignore[misc]
        if is_superuser(request):
            return qs
        return scope_queryset(qs, viewable_brand_ids(request))

    # --- permissions ----------------------------------------------------------------
    def _may(self, request: HttpRequest, obj: Model | None, brand_ids: set[int]) -> bool:
        if not brand_ids:
            return False
        if obj is None:
            return True
        owners = object_brand_ids(obj)
        return bool(owners) and owners <= brand_ids

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_superuser(request) or bool(brand_roles(request))

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if is_superuser(request):
            return True
        return self._may(request, obj, viewable_brand_ids(request))

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if is_superuser(request):
            return True
        if self.superuser_only_change:
            return False
        return self._may(request, obj, editable_brand_ids(request))

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # ModelAdmin calls it with the request only; inlines pass the parent object.
        if is_superuser(request):
            return True
        if self.superuser_only_add:
            return False
        return self._may(request, obj, editable_brand_ids(request))

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if is_superuser(request):
            return True
        if self.superuser_only_delete:
            return False
        return self._may(request, obj, editable_brand_ids(request))

    # --- form choices ---------------------------------------------------------------
    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        if "queryset" not in kwargs:
            qs = choices_queryset(request, db_field.related_model)
            if qs is not None:
                kwargs["queryset"] = qs
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(
        self, db_field: models.ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        if "queryset" not in kwargs:
            qs = choices_queryset(request, db_field.related_model)
            if qs is not None:
                kwargs["queryset"] = qs
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]

    # --- links to the site ----------------------------------------------------------
    def get_view_on_site_url(self, obj: Model | None = None) -> str | None:
        """The object's own page, linked directly. Django's default goes through the
        admin's ``/admin/r/<content type>/<id>/`` redirect, which answers for any object of
        any brand and so would tell a marketer the address of another brand's pages."""
        if obj is None or not self.view_on_site:  # type: ignore[attr-defined]
            return None
        get_absolute_url = getattr(obj, "get_absolute_url", None)
        return get_absolute_url() if get_absolute_url else None

    # --- the changelist's editable rows (list_editable) -------------------------------
    def get_changelist_formset(self, request: HttpRequest, **kwargs: Any) -> Any:
        """Django asks only for change permission on the model before saving the rows a
        list edits; each changed row is checked here (a manager of one brand may be an
        analyst of another, whose rows the list shows)."""
        formset_class = super().get_changelist_formset(request, **kwargs)  # type: ignore[misc]
        modeladmin = self

        class ScopedChangelistFormSet(formset_class):  # type: ignore[misc, valid-type]
            def clean(self) -> None:
                super().clean()
                stored = {obj.pk: obj for obj in self.queryset.all()}  # as before the edit
                for form in self.forms:
                    obj = stored.get(form.instance.pk)
                    if form.has_changed() and (
                        obj is None or not modeladmin.has_change_permission(request, obj)
                    ):
                        raise ValidationError(
                            _("You may not change %(object)s.") % {"object": obj or form.instance}
                        )

        return ScopedChangelistFormSet

    # --- bulk actions ---------------------------------------------------------------
    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        """Every bulk action checks each selected object: ``delete_selected`` needs delete
        permission on each, an action declared ``permissions=["change"]`` change permission
        on each (a manager of one brand may be an analyst of another)."""
        actions: dict[str, Any] = super().get_actions(request)  # type: ignore[misc]
        for key, (func, name, description) in actions.items():
            if key == "delete_selected":
                actions[key] = (require_object_permission("delete", func), name, description)
            elif "change" in getattr(func, "allowed_permissions", ()):
                actions[key] = (require_object_permission("change", func), name, description)
        return actions


def require_object_permission(permission: str, action: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an admin action so that it refuses selections holding objects the user may
    not ``permission`` (a manager of one brand who is an analyst of another)."""

    def wrapped(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        check = getattr(modeladmin, f"has_{permission}_permission")
        if not all(check(request, obj) for obj in queryset):
            raise PermissionDenied
        return action(modeladmin, request, queryset)

    wrapped.__name__ = getattr(action, "__name__", "action")
    for attr in ("short_description", "allowed_permissions"):
        if hasattr(action, attr):
            setattr(wrapped, attr, getattr(action, attr))
    return wrapped


class BrandKeptMixin:
    """Mix in before ``admin.ModelAdmin``: the brand is chosen when the object is created
    and kept after; what hangs off it belongs to that brand (a campaign's entries, events
    and codes; an offer's codes, unique within it; a product's variants, prices, offers and
    orders). The field stays in the change form, disabled (Django keeps the stored value
    whatever is posted), rather than read-only: the checks that include it still run (a
    campaign's or a product's slug unique within its brand; an offer's products of its
    brand)."""

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]
        if obj is not None and "brand" in form.base_fields:
            form.base_fields["brand"].disabled = True
        return form
