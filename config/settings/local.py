"""`make run`: the embedded default (SQLite, django-q ORM broker) with safe local defaults."""

from .base import *
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="local-development-key-not-for-production-use-0123456789")
FACEBOOK_APP_SECRET = env("FACEBOOK_APP_SECRET", default="local-facebook-app-secret")
