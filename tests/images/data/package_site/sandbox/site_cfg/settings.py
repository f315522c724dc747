SECRET_KEY = "test-only"
DEBUG = True
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "site_cfg.urls"
INSTALLED_APPS = ["shelf"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "/tmp/shelf.sqlite3"}}
