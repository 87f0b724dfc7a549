"""The admin's columns and filters are in French (issue 16, item 8)."""

from django.contrib import admin

OUR_APPS = {"pharmacies", "claims", "rejections", "payments", "reports", "backoffice"}
SAME_IN_FRENCH = {"code", "page"}


def test_every_column_and_filter_of_our_admin_has_a_french_name():
    english = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OUR_APPS:
            continue
        for name in (*model_admin.list_display, *model_admin.list_filter):
            if not isinstance(name, str) or name == "__str__":
                continue
            try:
                field = model._meta.get_field(name)
            except Exception:  # a method of the admin: its own short_description
                continue
            if name not in SAME_IN_FRENCH and str(field.verbose_name) == name.replace("_", " "):
                english.append(f"{model.__name__}.{name}")
    assert english == []
