"""Offline validation of Kubernetes manifests against the API's JSON schemas (strict mode:
unknown fields are errors), with ``kubernetes-validate`` (install ``dockdjango[kube]``)."""

from __future__ import annotations

from typing import Any

from dockdjango.errors import DockdjangoError

#: The Kubernetes version manifests are written for and validated against.
KUBE_VERSION = "1.31"


def validate(objects: list[dict[str, Any]], version: str | None = None) -> str:
    """Validate every object strictly; return the schema version used.

    Raises `DockdjangoError` naming the first invalid object, field and reason.
    """
    try:
        import kubernetes_validate
    except ImportError:
        raise DockdjangoError(
            "validating needs the kubernetes-validate package",
            hint="pip install 'dockdjango[kube]'",
        ) from None
    wanted = version or KUBE_VERSION
    used = wanted
    for obj in objects:
        name = f"{obj.get('kind')}/{(obj.get('metadata') or {}).get('name')}"
        try:
            used = kubernetes_validate.validate(obj, wanted, strict=True)
        except kubernetes_validate.ValidationError as exc:
            where = ".".join(str(p) for p in exc.path) or "(top level)"
            raise DockdjangoError(
                f"{name} is not valid Kubernetes {exc.version}: {where}: {exc.message}"
            ) from None
        except kubernetes_validate.SchemaNotFoundError as exc:
            raise DockdjangoError(f"{name}: {exc.message}") from None
        except kubernetes_validate.VersionNotSupportedError:
            raise DockdjangoError(
                f"kubernetes-validate has no schemas for Kubernetes {wanted}",
                hint="pick another --kube-version, or upgrade kubernetes-validate",
            ) from None
    return used
