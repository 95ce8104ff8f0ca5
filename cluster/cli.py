"""`kubelab cluster ...` and `kubelab doctor`.

Module level imports: typer and the standard library only (see kubelab/cli.py).
"""

from __future__ import annotations

import json
import sys
import time

import typer

cluster_app = typer.Typer(help="The course cluster: up, down, status, reset, build-image, load-images.",
                          no_args_is_help=True)


def _fail(exc: Exception) -> None:
    """One clear line (plus the command's output for failed commands) and exit 1."""
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(1)


def _guard(fn, *args, **kwargs):
    from kubelab.cluster.api import ClusterError
    from kubelab.cluster.execs import CommandError

    try:
        return fn(*args, **kwargs)
    except (ClusterError, CommandError) as exc:
        _fail(exc)


@cluster_app.command()
def up(
    shape: str = typer.Option("course", help="Cluster shape from cluster/shapes/ (course, single)."),
    image: str = typer.Option("auto", help="Node image: auto, local (kubelab's offline build) or upstream (kind's)."),
    recreate: bool = typer.Option(False, "--recreate", help="Delete and create again (also when the shape differs)."),
) -> None:
    """Create the course cluster, or reuse it when it already runs with the right shape."""
    from kubelab.cluster.lifecycle import up as do_up

    _guard(do_up, shape=shape, image=image, recreate=recreate)


@cluster_app.command()
def down() -> None:
    """Delete the course cluster (node containers, and the kind network when unused)."""
    from kubelab.cluster.lifecycle import down as do_down

    start = time.monotonic()
    _guard(do_down)
    typer.echo(f"cluster deleted in {time.monotonic() - start:.1f}s")


@cluster_app.command()
def status(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Nodes, their readiness, versions, taints and cordons."""
    from kubelab.cluster.lifecycle import status as do_status

    info = _guard(do_status)
    if as_json:
        typer.echo(json.dumps(info, indent=2))
        return
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"cluster [bold]{info['cluster']}[/] (context {info['context']}): [bold]{info['state']}[/]")
    if info.get("nodes"):
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
        table.add_column("node", no_wrap=True)
        table.add_column("ready", no_wrap=True)
        table.add_column("version", no_wrap=True)
        table.add_column("schedulable", overflow="fold")
        table.add_column("taints", overflow="fold")
        for n in info["nodes"]:
            table.add_row(n["name"], "yes" if n["ready"] else "[red]no[/]", n["version"],
                          "no (cordoned)" if n["unschedulable"] else "yes", ", ".join(n["taints"]) or "-")
        console.print(table)
    if info["state"] != "ready":
        raise typer.Exit(1)


@cluster_app.command()
def reset() -> None:
    """Back to the baseline without recreating: lab namespaces, node labels/taints/cordons, PVs, hostPath data."""
    from kubelab.cluster.reset import reset as do_reset

    done = _guard(do_reset)
    parts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in done.items() if k != "seconds" and v)
    typer.echo(f"reset to baseline in {done['seconds']}s ({parts or 'nothing to undo'})")


@cluster_app.command("build-image")
def build_image() -> None:
    """Build kind, kubectl and a kind node image from the Go module proxy and Debian packages only."""
    from kubelab.cluster.build import build_all

    _guard(build_all)


@cluster_app.command("ensure-image")
def ensure_image() -> None:
    """Make sure a node image is here: the offline build, kind's image, or build one now."""
    from kubelab.cluster.lifecycle import ensure_node_image

    from kubelab.cluster import addons
    from kubelab.cluster.paths import pins

    image = _guard(ensure_node_image)
    typer.echo(f"node image: {image}")
    if image == pins().local_node_image:
        _guard(addons.build_images)   # the add-on images the offline node image's cluster deploys


@cluster_app.command("load-images")
def load_images() -> None:
    """Put every lab catalog image (cluster/images.yaml) on every node that lacks it."""
    from kubelab.cluster.lifecycle import ensure_lab_images

    loaded = _guard(ensure_lab_images, quiet=False)
    typer.echo(f"loaded {len(loaded)} image(s)" if loaded else "every node has every lab image")


@cluster_app.command()
def shapes() -> None:
    """List the cluster shapes."""
    from kubelab.cluster.lifecycle import describe_roles, shape_config, shape_roles, shapes as all_shapes

    for name in all_shapes():
        typer.echo(f"{name}: {describe_roles(shape_roles(shape_config(name)))}")


def doctor(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Check Docker, kind, kubectl, memory and cgroups, and say how to fix what is missing."""
    from kubelab.cluster.doctor import diagnose

    findings = diagnose()
    if as_json:
        typer.echo(json.dumps([f.__dict__ for f in findings], indent=2))
    else:
        marks = {"ok": "✓", "warn": "!", "fail": "✗"}
        for f in findings:
            typer.echo(f"{marks[f.level]} {f.name}: {f.detail}")
            if f.fix:
                typer.echo(f"    fix: {f.fix}")
    if any(f.level == "fail" for f in findings):
        raise typer.Exit(1)
