from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Shop"

    def ready(self) -> None:
        from promotions.entrants.erasure import person_erasure_register
        from promotions.pages.hub_sections import hub_section_register
        from shop.orders.privacy import ERASURE_KEY, orders_erase_for_person

        # The campaign hub shows the brand's shop as its last tab (promotions knows no shop).
        hub_section_register(
            tab_template="shop/_hub_tab.html", panel_template="shop/_hub_panel.html"
        )
        # A person's data deletion clears their orders' ad-matching data too.
        person_erasure_register(key=ERASURE_KEY, erase=orders_erase_for_person)
