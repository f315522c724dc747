"""Image builds through the engine's BuildKit, from Python, with no session and no CLI.

``buildkit`` drives ``POST /build?version=2`` and collects the result, ``buildkit_status``
decodes BuildKit's progress messages, ``postgres_image`` reads a built image's server
version. Modules here import the top of ``engine``, ``engine.testing`` (helper labels) and
``errors``.
"""
