"""kubelab: Docker and Kubernetes labs graded from live cluster state."""

__version__ = "0.1.0"
