"""`dockdjango deploy --swarm`, `undeploy` and `kube`: the stack beyond one machine."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from dockdjango.cli.table import Command, option, project_options

if TYPE_CHECKING:
    from dockdjango.api.compose_project import Project


def _load(args: argparse.Namespace, *, local_images: bool = True) -> Project:
    """The project; with ``local_images`` (Swarm on this engine), a file asking for
    ``${DOCKDJANGO_POSTGRES_IMAGE:-postgres:16}`` gets the image this engine can run."""
    from dockdjango.api.stack.postgres import postgres_variables
    from dockdjango.cli.project_options import resolve

    options = resolve(args)
    if local_images:
        options = options.with_variables(
            postgres_variables(
                options.located,
                on_choice=lambda pg: print(f"✓ postgres image ({pg.summary})", file=sys.stderr),
            )
        )
    return options.load()


def _warn(text: str) -> None:
    if text:
        print(f"warning: {text}", file=sys.stderr)


def run_deploy(args: argparse.Namespace) -> int:
    """Deploy to the swarm and report each service's convergence."""
    from dockdjango.api.deploy import deploy_swarm, swarm_plan
    from dockdjango.errors import DockdjangoError

    if not args.swarm:
        raise DockdjangoError(
            "say where to deploy: --swarm",
            hint="for Kubernetes, write manifests with `dockdjango kube`",
        )
    project = _load(args)
    planned = swarm_plan(project, routing_mesh=args.routing_mesh).notes
    _warn(planned.warning())  # before the build, which may take a while
    result = deploy_swarm(
        project,
        build=args.build,
        wait=args.wait,
        timeout=args.timeout,
        routing_mesh=args.routing_mesh,
        on_progress=lambda e: print(e.line(), file=sys.stderr),
    )
    for note in result.notes.sorted():
        if note not in planned.items:  # learnt while deploying (images not on this engine)
            _warn(note.line())
    for s in result.services:
        line = f"{s.service}: {s.action}"
        if s.convergence is not None:
            c = s.convergence
            line += f", {c.running}/{c.desired} {c.state} after {c.seconds:.1f} s"
            if c.failed_tasks:
                line += f" ({c.failed_tasks} failed task(s) replaced)"
        print(line)
    print(
        f"stack {result.stack} deployed in {result.seconds:.1f} s (docker stack ps {result.stack})"
    )
    for entry in result.answering:  # each published port, once it accepted a connection
        print(f"  {entry}")
    return 0


def run_undeploy(args: argparse.Namespace) -> int:
    """Remove the stack; say what was removed and what was kept."""
    from dockdjango.api.deploy import undeploy_swarm

    stack = args.project_name or _load(args, local_images=False).name
    removed = undeploy_swarm(stack, volumes=args.volumes)
    for kind in ("services", "networks", "configs", "secrets", "volumes"):
        names = getattr(removed, kind)
        if names:
            print(f"removed {len(names)} {kind}: {', '.join(names)}")
    if not removed.services and not removed.networks:
        print(f"stack {stack}: nothing deployed")
    if not args.volumes:
        print("named volumes kept (remove them with --volumes)")
    return 0


def run_kube(args: argparse.Namespace) -> int:
    """Write the manifests; list what was not carried over on stderr."""
    from dockdjango.api.deploy import kube_manifests

    manifests = kube_manifests(
        _load(args, local_images=False), namespace=args.namespace, wait_image=args.wait_image
    )
    _warn(manifests.notes.warning())
    if args.validate:
        from dockdjango.api.deploy import validate_kube

        version = validate_kube(manifests, args.kube_version)
        print(
            f"✓ {len(manifests.objects)} objects valid for Kubernetes {version} (strict)",
            file=sys.stderr,
        )
    if args.output:
        written = manifests.write_kustomize(args.output)
        print(
            f"wrote {len(written)} files to {args.output} (kubectl apply -k {args.output})",
            file=sys.stderr,
        )
    else:
        sys.stdout.write(manifests.yaml())
    return 0


COMMANDS = (
    Command(
        "deploy",
        "deploy the compose project to a Docker Swarm (as `docker stack deploy`)",
        run_deploy,
        description="Build what the project builds, then deploy it to the swarm this engine "
        "manages: services, overlay networks, volumes, configs and secrets, labelled so "
        "`docker stack ps/services/rm` manage it. Services start in depends_on order; the "
        "command returns once every service has converged. Settings with no Swarm meaning "
        "are listed in one warning.",
        options=(
            *project_options(),
            option("--swarm", action="store_true", help="deploy to Docker Swarm (required)"),
            option(
                "--no-build",
                dest="build",
                action="store_false",
                help="use existing images; build only those that are missing",
            ),
            option(
                "--no-wait",
                dest="wait",
                action="store_false",
                help="return once services are created, without waiting to converge",
            ),
            option(
                "--timeout",
                type=float,
                default=300.0,
                metavar="SECONDS",
                help="give up waiting after this long (default 300)",
            ),
            option(
                "--no-routing-mesh",
                dest="routing_mesh",
                action="store_false",
                help="publish ports on each task's node (mode host) and find services by DNS "
                "round-robin: for engines whose kernel has no IPVS (chosen, and said, when "
                "the engine runs on this machine's kernel and it has none)",
            ),
        ),
        examples=(
            "dockdjango deploy --swarm",
            "dockdjango deploy --swarm --profile prod --timeout 600",
            "dockdjango deploy --swarm --no-routing-mesh   # engines without IPVS",
            "docker stack ps library          # what Docker sees",
        ),
    ),
    Command(
        "undeploy",
        "remove a stack deployed to Docker Swarm (named volumes are kept)",
        run_undeploy,
        description="Remove the stack's services, networks, configs and secrets (found by "
        "the com.docker.stack.namespace label, as `docker stack rm` finds them). Named "
        "volumes are kept unless --volumes.",
        options=(
            *project_options(),
            option("-v", "--volumes", action="store_true", help="also remove named volumes"),
        ),
        examples=("dockdjango undeploy", "dockdjango undeploy -p library --volumes"),
    ),
    Command(
        "kube",
        "write Kubernetes manifests for the compose project",
        run_kube,
        description="Convert the compose project to Kubernetes manifests (Deployments or "
        "StatefulSets, Services, PersistentVolumeClaims, ConfigMaps and Secrets, probes, "
        "start order), on stdout or as a Kustomize base. Settings with no Kubernetes "
        "meaning are listed in one warning on stderr. No daemon or cluster is needed.",
        options=(
            *project_options(),
            option(
                "-o",
                "--output",
                metavar="DIR",
                help="write a Kustomize base (one file per object) into DIR",
            ),
            option("-n", "--namespace", help="put every object in this namespace"),
            option(
                "--wait-image",
                metavar="IMAGE",
                help="image of the init containers that wait for dependencies "
                "(default busybox:1.36)",
            ),
            option(
                "--validate",
                action="store_true",
                help="validate every object in strict mode (needs kubernetes-validate)",
            ),
            option(
                "--kube-version", metavar="X.Y", help="the Kubernetes version to validate against"
            ),
        ),
        examples=(
            "dockdjango kube > k8s.yaml",
            "dockdjango kube --profile prod -o k8s/base     # a Kustomize base",
            "dockdjango kube --validate                     # check against the schemas",
        ),
    ),
)
