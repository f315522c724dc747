"""The Python API a script imports: thin, typed objects over ``spec``, ``build`` and ``engine``.

Modules: ``api.base`` (registry-free base images), more as issues land (``api.stack``,
``api.images``). Import the names from ``dockdjango`` directly.
"""
