"""A Kubernetes stand-in for the kata's advanced project (and a kind backend where it can run).

See README.md in this directory for the API subset served, the router and the known gaps.
"""

from .backend import BACKENDS, ClusterBackend, KindCluster, LocalClusterStandIn, open_cluster

__all__ = ["BACKENDS", "ClusterBackend", "KindCluster", "LocalClusterStandIn", "open_cluster"]
