"""Which dependencies install without a compiler when no lock lists their files.

A lock (uv.lock, poetry.lock) lists every package's wheels, so whether one builds from
source is known exactly (:mod:`dockdjango.detection.dependencies.wheeltags`). A
requirements file, a Pipfile.lock (hashes, no file names), pyproject.toml or setup.py says
nothing of wheels: any name there may arrive as an sdist with C code in it (cmarkgfm on a
new Python), so such a project's build stage gets a C toolchain *unless* every name it
lists is known here to install without one:

- :data:`PURE` -- pure-Python distributions: a wheel or an sdist, no compiler either way;
- :data:`BINARY_WHEELS` -- compiled, but publishing Linux wheels for every current CPython
  in their recent releases (or abi3 wheels); an old pin may predate the wheel for the
  image's Python, which :data:`dockdjango.detection.syspkgs.WHEELS_SINCE` checks where known.

The lists name what Django sites commonly depend on; a name missing here costs a toolchain
in the build stage (never in the image), not a failed build.
"""

from __future__ import annotations

#: Pure-Python distributions (no C code in any release).
PURE = frozenset(
    """
    amqp anyio appdirs arrow asgiref attrs babel backoff beautifulsoup4 billiard bleach
    boto3 botocore cachetools celery certifi channels channels-redis chardet
    click click-didyoumean click-plugins click-repl colorama crispy-bootstrap4
    crispy-bootstrap5 croniter cssselect2 cssutils daphne decorator defusedxml deprecated
    dj-database-url dj-email-url django django-allauth django-anymail django-appconf
    django-auth-ldap django-autocomplete-light django-axes django-bootstrap4
    django-bootstrap5 django-braces django-celery-beat django-celery-results
    django-ckeditor django-classy-tags django-cleanup django-cms django-compressor
    django-constance django-cors-headers django-countries django-crispy-forms django-csp
    django-debug-toolbar django-environ django-extensions django-filer django-filter
    django-formtools django-guardian django-health-check django-imagekit
    django-import-export django-ipware django-js-asset django-markdownx django-model-utils
    django-modelcluster django-money django-mptt django-oauth-toolkit django-otp
    django-permissionedforms django-phonenumber-field django-picklefield django-polymorphic
    django-prometheus django-q2 django-ratelimit django-redis django-reversion django-rq
    django-sekizai django-select2 django-silk django-simple-history django-storages
    django-stubs django-stubs-ext django-tables2 django-taggit django-timezone-field
    django-treebeard django-two-factor-auth django-webpack-loader django-widget-tweaks
    djangorestframework djangorestframework-simplejwt djangorestframework-stubs
    dnspython docopt docutils draftjs-exporter drf-nested-routers drf-spectacular
    drf-yasg easy-thumbnails elasticsearch elasticsearch-dsl email-validator environs
    et-xmlfile factory-boy faker filetype freezegun geopy gprof2dot gunicorn h11 html5lib
    httpcore httpx huey humanize icalendar idna inflection iniconfig ipdb ipython
    isodate iso8601 isort itypes jinja2 jmespath jsonschema jsonschema-specifications
    kombu l18n laces markdown marshmallow mccabe mock model-bakery num2words oauthlib
    openpyxl packaging pilkit pip platformdirs pluggy prometheus-client prompt-toolkit
    psycopg py-moneyed pycodestyle pycparser pydyf pyflakes pygments pyjwt pymysql
    pyparsing pyphen pypng pysocks pytest pytest-cov pytest-django pytest-mock
    pytest-xdist python-crontab python-dateutil python-decouple python-dotenv
    python-json-logger python-slugify python-stdnum pytz qrcode redis referencing
    requests requests-mock requests-oauthlib requests-toolbelt responses rq s3transfer
    segno sentry-sdk setuptools six sniffio sorl-thumbnail soupsieve sqlparse
    structlog tablib telepath tenacity text-unidecode tinycss2 tqdm traitlets
    typing-extensions tzdata tzlocal unidecode uritemplate urllib3 uvicorn vine vobject
    waitress wagtail weasyprint webencodings wheel whitenoise willow xlsxwriter xmltodict
    """.split()
)
#: Compiled distributions with Linux wheels for current CPythons in recent releases.
BINARY_WHEELS = frozenset(
    """
    argon2-cffi argon2-cffi-bindings bcrypt black brotli cffi charset-normalizer
    coverage cryptography fonttools gevent greenlet hiredis httptools lxml markupsafe
    msgpack mypy nh3 numpy orjson pandas pendulum pillow psutil psycopg-binary
    psycopg2-binary pycryptodome pydantic pydantic-core pyopenssl pyyaml pyzmq rcssmin
    regex reportlab rjsmin rpds-py ruff scipy shapely simplejson ujson uvloop watchfiles
    websockets wrapt zopfli
    """.split()
)


def needs_no_compiler(name: str) -> bool:
    """True when ``name`` (normalised) is known to install without a C toolchain."""
    return name in PURE or name in BINARY_WHEELS
