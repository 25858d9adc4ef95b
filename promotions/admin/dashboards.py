"""Admin dashboards per promotion and per campaign (``<object>/dashboard/``).

CTR over time with its confidence band (server-side SVG), the funnel, a comparison of two
promotions with a two-proportion z-test in plain words, and for campaigns each
promotion's numbers and the lift against the 14 days before launch. Every table has a CSV
export (``?export=<table>``, same filters). The numbers and tables are built by
``promotions.reports.dashboard_page.dashboard_get``. Brand scoping is the ModelAdmin's:
another brand's object is a 404, and so is a comparison with another brand's promotion.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib.admin.utils import unquote
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from promotions.models import Campaign, Promotion
from promotions.reports import charts, dashboard_page, dashboards


class DashboardForm(forms.Form):
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    a = forms.TypedChoiceField(label=_("Compare"), required=False, coerce=int)
    b = forms.TypedChoiceField(label=_("with"), required=False, coerce=int)

    def __init__(self, *args: Any, promotions: Iterable[Promotion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(p.pk, f"{p.title} ({p.campaign.name})") for p in promotions]
        for name in ("a", "b"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The last day must not come before the first."))
        elif since and until and (until - since).days >= dashboard_page.MAX_DAYS:
            self.add_error("until", _("At most a year at once."))
        return data


class DashboardAdminMixin:
    """Adds ``<id>/dashboard/`` to the Promotion and Campaign admins."""

    def get_urls(self) -> list[Any]:
        opts = self.opts  # type: ignore[attr-defined]
        site = self.admin_site  # type: ignore[attr-defined]
        urls = [
            path(
                "<path:object_id>/dashboard/",
                site.admin_view(self.dashboard_view),
                name=f"{opts.app_label}_{opts.model_name}_dashboard",
            )
        ]
        return urls + super().get_urls()  # type: ignore[misc]

    def dashboard_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        subject = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
        if subject is None or not self.has_view_permission(request, subject):  # type: ignore[attr-defined]
            raise Http404
        brand = dashboards.dashboard_brand(subject=subject)
        candidates = list(dashboard_page.dashboard_promotion_choices(brand=brand))
        form = DashboardForm(request.GET or None, promotions=candidates)
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        board = dashboard_page.dashboard_get(
            subject=subject,
            candidates=candidates,
            since=data.get("since"),
            until=data.get("until"),
            a_id=data.get("a"),
            b_id=data.get("b"),
        )

        export = request.GET.get("export")
        if export:
            table = next((t for t in board.tables if t.name == export), None)
            if table is None:
                raise Http404
            return self._csv(subject, table)

        opts = self.opts  # type: ignore[attr-defined]
        change_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[subject.pk])
        query = request.GET.copy()
        query.pop("export", None)
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "title": _("Dashboard: %(name)s") % {"name": subject},
            "subject": subject,
            "is_campaign": board.is_campaign,
            "opts": opts,
            "original": subject,
            "brand": brand,
            "form": form,
            "since": board.since,
            "until": board.until,
            "chart": charts.ctr_chart(board.series, title=f"CTR by day: {subject}"),
            "funnel": board.funnel,
            "funnel_revenue": board.funnel_revenue,
            "overall": board.funnel.stats,
            "overall_ctr": board.overall_ctr,
            "overall_interval": board.overall_interval,
            "comparison": board.comparison,
            "lift": board.lift,
            "lift_pct": board.lift_pct,
            "first_time_pct": board.first_time_pct,
            "tables": board.tables,
            "query": query.urlencode(),
            "change_url": change_url,
            "media": self.media,  # type: ignore[attr-defined]
        }
        return TemplateResponse(request, "admin/promotions/dashboard.html", context)

    @staticmethod
    def _csv(subject: Promotion | Campaign, table: dashboard_page.Table) -> HttpResponse:
        kind = "campaign" if isinstance(subject, Campaign) else "promotion"
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{kind}-{subject.pk}-{table.name}.csv"'
        )
        writer = csv.writer(response)
        writer.writerow(table.header)
        writer.writerows(table.rows)
        return response
