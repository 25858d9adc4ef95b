"""Admin dashboards per promotion and per campaign (``<object>/dashboard/``).

CTR over time with its confidence band (server-side SVG), the funnel, a comparison of two
promotions with a two-proportion z-test in plain words, and for campaigns each
promotion's numbers and the lift against the 14 days before launch. Every table has a CSV
export (``?export=<table>``, same filters). Brand scoping is the ModelAdmin's: another
brand's object is a 404, and so is a comparison with another brand's promotion.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib.admin.utils import unquote
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from promotions.models import Campaign, Promotion
from promotions.reports import charts, dashboards
from tracking.selectors import Stats

MAX_DAYS = 366


@dataclass
class Table:
    name: str
    title: str
    header: list[str]
    rows: list[list[Any]]
    note: str = ""


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _ratios(p: dashboards.CtrPoint) -> list[str]:
    return [_ratio(p.ctr), _ratio(p.low), _ratio(p.high)]


def _money(amount: int, currency: str) -> str:
    return f"{amount / 100:,.2f} {currency}".strip() if currency else f"{amount / 100:,.2f}"


class DashboardForm(forms.Form):
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    a = forms.TypedChoiceField(label=_("Compare"), required=False, coerce=int)
    b = forms.TypedChoiceField(label=_("with"), required=False, coerce=int)

    def __init__(self, *args: Any, promotions: QuerySet[Promotion], **kwargs: Any) -> None:
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
        elif since and until and (until - since).days >= MAX_DAYS:
            self.add_error("until", _("At most a year at once."))
        return data


def _stats_cells(s: Stats) -> list[Any]:
    interval = s.ctr_interval
    return [
        s.impressions,
        s.clicks,
        _ratio(s.ctr),
        _ratio(interval[0] if interval else None),
        _ratio(interval[1] if interval else None),
        s.entries,
        s.orders,
        s.revenue,
        s.currency,
        _ratio(s.conversion_rate),
    ]


STATS_HEADER = [
    "impressions",
    "clicks",
    "ctr",
    "ctr_ci_low",
    "ctr_ci_high",
    "entries",
    "orders",
    "revenue_minor_units",
    "currency",
    "conversion_rate",
]


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
        is_campaign = isinstance(subject, Campaign)
        brand = subject.brand if is_campaign else subject.campaign.brand
        candidates = (
            Promotion.objects.filter(campaign__brand=brand)
            .select_related("campaign__brand")
            .order_by("campaign__name", "position", "pk")
        )
        form = DashboardForm(request.GET or None, promotions=candidates)
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        default_since, default_until = dashboards.dashboard_range(subject=subject)
        since: date = data.get("since") or default_since
        until: date = data.get("until") or default_until
        if since > until:
            since = until - timedelta(days=29)

        series = dashboards.ctr_series(subject=subject, since=since, until=until)
        funnel = dashboards.funnel(subject=subject, since=since, until=until)
        tables = [
            Table(
                "daily",
                str(_("CTR by day")),
                ["day", "impressions", "clicks", "ctr", "ctr_ci_low", "ctr_ci_high"],
                [[p.day.isoformat(), p.impressions, p.clicks, *_ratios(p)] for p in series],
            ),
            Table(
                "funnel",
                str(_("Funnel")),
                ["step", "count", "rate_from_previous_step"],
                [[s.name, s.count, _ratio(s.rate)] for s in funnel.steps]
                + [["Revenue (minor units)", funnel.revenue, funnel.currency]],
            ),
        ]
        by_impressions: list[Promotion] = []
        if is_campaign:
            per_promotion = dashboards.promotion_table(campaign=subject, since=since, until=until)
            tables.append(
                Table(
                    "promotions",
                    str(_("Promotions")),
                    ["promotion_id", "promotion", *STATS_HEADER],
                    [[p.pk, p.title, *_stats_cells(s)] for p, s in per_promotion],
                )
            )
            by_impressions = [
                p for p, _s in sorted(per_promotion, key=lambda ps: -ps[1].impressions)
            ]
        comparison = self._comparison(subject, data, candidates, by_impressions, since, until)
        if comparison is not None:
            tables.append(
                Table(
                    "comparison",
                    str(_("Comparison")),
                    ["promotion_id", "promotion", *STATS_HEADER],
                    [
                        [comparison.a.pk, comparison.a.title, *_stats_cells(comparison.a_stats)],
                        [comparison.b.pk, comparison.b.title, *_stats_cells(comparison.b_stats)],
                    ],
                    note=comparison.verdict,
                )
            )
        lift = None
        if is_campaign:
            lift = dashboards.campaign_lift(campaign=subject)
            tables.append(
                Table(
                    "lift",
                    str(_("Daily activity, 14 days before launch and since")),
                    ["day", "phase", "impressions", "clicks", "entries", "orders", "activity"],
                    [d.cells() for d in lift.days],
                )
            )

        export = request.GET.get("export")
        if export:
            table = next((t for t in tables if t.name == export), None)
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
            "is_campaign": is_campaign,
            "opts": opts,
            "original": subject,
            "brand": brand,
            "form": form,
            "since": since,
            "until": until,
            "chart": charts.ctr_chart(series, title=f"CTR by day: {subject}"),
            "funnel": funnel,
            "funnel_revenue": _money(funnel.revenue, funnel.currency),
            "overall": funnel.stats,
            "overall_ctr": _pct(funnel.stats.ctr),
            "overall_interval": [_pct(v) for v in (funnel.stats.ctr_interval or (None, None))],
            "comparison": comparison,
            "lift": lift,
            "lift_pct": None if lift is None or lift.lift is None else f"{lift.lift * 100:+.0f}%",
            "first_time_pct": _pct(lift.first_time_share) if lift else None,
            "tables": tables,
            "query": query.urlencode(),
            "change_url": change_url,
            "media": self.media,  # type: ignore[attr-defined]
        }
        return TemplateResponse(request, "admin/promotions/dashboard.html", context)

    @staticmethod
    def _comparison(
        subject: Promotion | Campaign,
        data: dict[str, Any],
        candidates: QuerySet[Promotion],
        ranked: list[Promotion],
        since: date,
        until: date,
    ) -> dashboards.Comparison | None:
        by_id = {p.pk: p for p in candidates}
        a = by_id.get(data.get("a") or 0)
        b = by_id.get(data.get("b") or 0)
        if isinstance(subject, Promotion):
            a = a or subject
            if b is None:
                siblings = [p for p in by_id.values() if p.campaign_id == subject.campaign_id]
                b = next((p for p in siblings if p.pk != a.pk), None)
        else:
            a = a or (ranked[0] if ranked else None)
            b = b or next((p for p in ranked if a is None or p.pk != a.pk), None)
        if a is None or b is None or a.pk == b.pk:
            return None
        return dashboards.promotions_compare(a=a, b=b, since=since, until=until)

    @staticmethod
    def _csv(subject: Promotion | Campaign, table: Table) -> HttpResponse:
        kind = "campaign" if isinstance(subject, Campaign) else "promotion"
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{kind}-{subject.pk}-{table.name}.csv"'
        )
        writer = csv.writer(response)
        writer.writerow(table.header)
        writer.writerows(table.rows)
        return response
