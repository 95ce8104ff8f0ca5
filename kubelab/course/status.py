"""The notebooks' status panel: is the Docker engine up, are the lab images there, is the
course cluster ready, and if not, the one command that fixes it.

    from kubelab.course.nb import cluster_status
    cluster_status()              # Docker + images + cluster, with a Refresh button
    cluster_status(cluster=False) # Docker notebooks (01, 02): no cluster needed

`collect()` holds the logic (plain rows, no widgets: tests call it); `StatusPanel` shows the
rows as a table with a Refresh button. Looking never changes anything.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field


@dataclass
class Row:
    name: str
    ok: bool
    detail: str
    fix: str = ""


@dataclass
class Status:
    rows: list[Row] = field(default_factory=list)
    nodes: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    def lines(self) -> list[str]:
        out = [f"{'ok  ' if r.ok else 'FIX '} {r.name}: {r.detail}" + (f"  ->  {r.fix}" if r.fix else "")
               for r in self.rows]
        for n in self.nodes:
            out.append(f"     node {n['name']}: {'Ready' if n['ready'] else 'NotReady'}, {n['version']}"
                       + (", cordoned" if n["unschedulable"] else "")
                       + (f", taints {', '.join(n['taints'])}" if n["taints"] else ""))
        return out

    def __repr__(self) -> str:
        return "\n".join(self.lines())

    def _repr_html_(self) -> str:
        cells = []
        for r in self.rows:
            mark = "<span style='color:#1a7f37'>&#10004;</span>" if r.ok else "<span style='color:#cf222e'>&#10008;</span>"
            fix = f"<br><code>{html.escape(r.fix)}</code>" if r.fix else ""
            cells.append(f"<tr><td>{mark}</td><td><b>{html.escape(r.name)}</b></td>"
                         f"<td style='text-align:left'>{html.escape(r.detail)}{fix}</td></tr>")
        table = f"<table>{''.join(cells)}</table>"
        if self.nodes:
            head = "<tr><th>node</th><th>ready</th><th>version</th><th>schedulable</th><th>taints</th></tr>"
            body = "".join(
                f"<tr><td>{html.escape(n['name'])}</td><td>{'yes' if n['ready'] else 'no'}</td>"
                f"<td>{html.escape(n['version'])}</td><td>{'no (cordoned)' if n['unschedulable'] else 'yes'}</td>"
                f"<td>{html.escape(', '.join(n['taints']) or '-')}</td></tr>" for n in self.nodes)
            table += f"<table>{head}{body}</table>"
        return table


def _images_row() -> Row:
    from kubelab.cluster.api import image_catalog
    from kubelab.cluster.lifecycle import image_exists

    refs = [e["ref"] for e in image_catalog().values()]
    missing = [ref for ref in refs if not image_exists(ref)]
    if missing:
        return Row("lab images", False, f"missing from the Docker engine: {', '.join(missing)}",
                   "kubelab cluster build-image   (builds them offline; `make course` runs it)")
    return Row("lab images", True, f"{len(refs)} catalog images present")


def collect(cluster: bool = True) -> Status:
    """Docker engine, catalog images and (with cluster=True) the course cluster and its nodes."""
    from kubelab.cluster.tools import docker_reachable

    st = Status()
    up, detail = docker_reachable()
    if not up:
        st.rows.append(Row("Docker engine", False, detail,
                           "sudo systemctl start docker   (on Debian as root: bash cluster/host/setup_docker.sh)"))
        return st
    st.rows.append(Row("Docker engine", True, f"version {detail}"))
    st.rows.append(_images_row())
    if not cluster:
        return st
    from kubelab.cluster.api import ClusterError
    from kubelab.cluster.lifecycle import status

    try:
        info = status()
    except ClusterError as exc:
        st.rows.append(Row("course cluster", False, str(exc), "kubelab doctor"))
        return st
    state = info.get("state")
    where = f"{info['cluster']} ({info.get('roles', 'no nodes')}, context {info['context']})"
    if state == "absent":
        st.rows.append(Row("course cluster", False, f"{info['cluster']} does not exist", "kubelab cluster up"))
    elif state == "api-down":
        st.rows.append(Row("course cluster", False, f"{where}: the API server does not answer",
                           "kubelab cluster up   (or `kubelab cluster up --recreate` if it stays down)"))
    else:
        st.nodes = info.get("nodes") or []
        ready = sum(n["ready"] for n in st.nodes)
        st.rows.append(Row("course cluster", state == "ready", f"{where}: {ready}/{len(st.nodes)} nodes Ready",
                           "" if state == "ready" else "wait a minute, then Refresh; `kubelab cluster status` says more"))
    return st


class StatusPanel:
    def __init__(self, cluster: bool = True, collector=None):
        import ipywidgets as w

        self.cluster = cluster
        self._collect = collector or collect
        self.last: Status | None = None
        self.button = w.Button(description="Refresh", icon="refresh", tooltip="look at Docker and the cluster again")
        self.body = w.HTML(value="")
        self.button.on_click(lambda _: self.refresh())
        self.widget = w.VBox([w.HBox([w.HTML("<b>Course environment</b>"), self.button]), self.body])
        self.refresh()

    def refresh(self) -> Status:
        self.button.disabled = True
        self.body.value = "looking ..."
        try:
            self.last = self._collect(self.cluster)
            self.body.value = self.last._repr_html_()
        except Exception as exc:  # shown in the panel, never a traceback in the notebook
            self.last = None
            self.body.value = f"<span style='color:#cf222e'>status failed: {html.escape(str(exc)[:300])}</span>"
        finally:
            self.button.disabled = False
        return self.last

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
