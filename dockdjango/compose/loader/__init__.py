"""The loader pipeline: compose files in, a `Project` out, one small named stage per module.

``locate`` finds a project once (files, directory, interpolation variables: Compose's
project options resolved); ``pipeline`` runs the stages in order (its docstring draws
them): ``parse`` (bytes to a located ``tree``, with ``scalars`` read as Compose's YAML
library reads them, and the document's ``node_checks``: aliases, depth, size, duplicate
keys), ``interpolation`` (with ``dotenv`` files), ``include``,
validate+canonicalise (the rooms of :mod:`dockdjango.compose.schema`), ``paths``,
``extends``, ``merge``, ``finalize`` (env files, profiles, defaults, names) and
``projection`` into the pydantic models (``pipeline.Resolved.project()``: the one stage
that imports pydantic, run when a typed project is asked for). Pure: the modules here
import the top of ``compose`` (models, names, the graph), its ``schema`` room and
``dockdjango.errors``, nothing else; callers use ``dockdjango.compose.load_project``.
"""
