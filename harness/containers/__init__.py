"""The container side: the Docker engine, the local registry and the offline base image."""
