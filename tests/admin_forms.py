"""The POST body an admin change form sends when saved as it was loaded (then changed)."""

from __future__ import annotations

from typing import Any

from django.forms.widgets import CheckboxInput, MultiWidget


def changeform_data(response, **changes: Any) -> dict[str, Any]:
    """What the browser would post from the change page ``response``, with ``changes``
    (inlines: their management forms only, so for objects without inline rows)."""
    form = response.context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        bound, widget = form[name], field.widget
        value = bound.value()
        if isinstance(widget, MultiWidget):  # a date and a time
            parts = value if isinstance(value, list) else widget.decompress(value)
            for i, part in enumerate(parts):
                data[f"{bound.html_name}_{i}"] = widget.widgets[i].format_value(part) or ""
        elif isinstance(widget, CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        elif value is None:
            data[bound.html_name] = ""
        elif isinstance(value, (list, tuple)):
            data[bound.html_name] = [str(v) for v in value]
        else:
            data[bound.html_name] = str(value)
    for formset in response.context.get("inline_admin_formsets") or []:
        management = formset.formset.management_form
        for name in management.fields:
            data[management[name].html_name] = str(management[name].value())
    data.update(changes)
    return data
