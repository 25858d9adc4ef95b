from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Shop"

    def ready(self) -> None:
        from promotions.pages.hub_sections import hub_section_register

        # The campaign hub shows the brand's shop as its last tab (promotions knows no shop).
        hub_section_register(
            tab_template="shop/_hub_tab.html", panel_template="shop/_hub_panel.html"
        )
