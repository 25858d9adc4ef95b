"""mypy's Django plugin loads these: the test settings without django-modeltranslation,
whose managers are classes made at run time that the plugin cannot resolve (the translated
columns, ``title_fr``..., are read with getattr where code needs them)."""

from .test import *
from .test import INSTALLED_APPS

INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "modeltranslation"]
