"""A Kubernetes API client for the course cluster, with errors that say what to do."""

from __future__ import annotations

import os

from kubelab.cluster.api import CONTEXT, ClusterError


def kubeconfig_path() -> str:
    return os.environ.get("KUBECONFIG", os.path.expanduser("~/.kube/config")).split(os.pathsep)[0]


def api_client(context: str = CONTEXT):
    """An ApiClient for `context`. Raises ClusterError when the kubeconfig has no such context."""
    from kubernetes import config
    from kubernetes.config.config_exception import ConfigException

    try:
        return config.new_client_from_config(context=context)
    except (ConfigException, FileNotFoundError, OSError) as exc:
        raise ClusterError(
            f"no kubeconfig context {context!r} in {kubeconfig_path()} ({exc}): run `kubelab cluster up`"
        ) from None


def core(client=None):
    from kubernetes import client as k

    return k.CoreV1Api(client or api_client())
