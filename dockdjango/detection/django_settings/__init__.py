"""A Django project's settings module: which one runs, and what it reads, without running it.

``settings_sources`` decides the module (the environment, ``.env``, the project's compose
file, ``manage.py`` or the package it runs, then the project's own config files and a
settings package's development module); ``settings_scan`` reads it and what it imports or
includes (the environment variables read, the database engine that wins, URLs, WSGI/ASGI),
with ``env_reads`` (one expression's reads: os.environ, django-environ, decouple...) and
``settings_classes`` (django-configurations' classes and ``values.Value``); ``dev_hosts``
finds the variables ``ALLOWED_HOSTS``/``CSRF_TRUSTED_ORIGINS`` are read from, ``urlconf``
the routes of the root URLconf (``ROOT_URLCONF``); ``pysource`` parses each file once for
every reader. Modules here import ``detection.layout`` and each other only; the rest of
``detection`` imports them.
"""
