"""Sections other apps add to every campaign hub, after the promotions' own tabs.

The hub knows no app above it: the shop (which imports promotions, never the other way)
registers its tab and panel templates here when Django starts (``ShopConfig.ready``), and
the hub template includes whatever is registered, with the page's context.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HubSection:
    """A tab (an ``<li role="presentation">`` in the tab list) and its panel."""

    tab_template: str
    panel_template: str


_SECTIONS: list[HubSection] = []


def hub_section_register(*, tab_template: str, panel_template: str) -> None:
    """Add a section to every hub (idempotent: registering it again changes nothing)."""
    section = HubSection(tab_template=tab_template, panel_template=panel_template)
    if section not in _SECTIONS:
        _SECTIONS.append(section)


def hub_sections_list() -> tuple[HubSection, ...]:
    return tuple(_SECTIONS)
