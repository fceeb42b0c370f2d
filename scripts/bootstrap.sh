#!/usr/bin/env bash
# One-time machine setup for the kata (Debian/Ubuntu, as root or with sudo):
# the Docker engine, the CNCF registry binary, mmdebstrap for the offline base image, bubblewrap
# (the gradebook runs each learner's workflow in a bwrap sandbox), headless Chromium (the
# browser test of the HTML pages), nox,
# then starts dockerd if nothing answers and seeds the base image if it cannot be pulled.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

need=()
command -v dockerd >/dev/null || need+=(docker.io containerd runc)
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
command -v git >/dev/null || need+=(git)
command -v bwrap >/dev/null || need+=(bubblewrap)  # isolates graded workflows (gradebook)
command -v nginx >/dev/null || need+=(nginx-light)  # the ingress router of the cluster stand-in
command -v ssh >/dev/null || need+=(openssh-client)  # deploys to the VM stand-in
command -v curl >/dev/null || need+=(curl)
command -v chromium >/dev/null || need+=(chromium)  # the HTML pages' browser test
if [ ${#need[@]} -gt 0 ]; then
  echo "bootstrap: installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  echo "bootstrap: starting dockerd (log: /tmp/kata-dockerd.log)"
  $SUDO sh -c 'nohup dockerd --host unix:///var/run/docker.sock >/tmp/kata-dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { echo "bootstrap: dockerd did not start; see /tmp/kata-dockerd.log"; exit 1; }
fi

python3 -m pip install -q "nox==2026.10.20"
python3 -m nox -s seed
echo "bootstrap: ready (docker $(docker version --format '{{.Server.Version}}'))"
