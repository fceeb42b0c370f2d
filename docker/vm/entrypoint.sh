#!/bin/bash
# Starts the "VM": authorizes the instance's key for `ubuntu`, records which VM this is for
# the docker wrapper and login sessions, lets `ubuntu` use the host's docker socket, makes
# fresh host keys and runs sshd in the foreground.
#
# Environment: VM_ADDRESS (required, a 127.x.y.z address), SSH_PUBLIC_KEY (the key pair's
# public key; empty: nobody can log in, as with an instance launched without a key pair),
# KATA_RUN_ID, INSTANCE_ID.
set -euo pipefail

log() { echo "kata-vm: $*" >&2; }

case "${VM_ADDRESS:-}" in
  127.*) ;;
  *) log "VM_ADDRESS must be a loopback address 127.x.y.z, got '${VM_ADDRESS:-}'"; exit 64 ;;
esac

# The instance's key pair, as cloud-init would install it.
install -d -m 0700 -o ubuntu -g ubuntu /home/ubuntu/.ssh
printf '%s\n' "${SSH_PUBLIC_KEY:-}" > /home/ubuntu/.ssh/authorized_keys
chown ubuntu:ubuntu /home/ubuntu/.ssh/authorized_keys
chmod 0600 /home/ubuntu/.ssh/authorized_keys
[ -n "${SSH_PUBLIC_KEY:-}" ] || log "no SSH_PUBLIC_KEY: nobody can log in"

# Which VM this is: read by /usr/local/bin/docker (also under sudo) and, through pam_env,
# present in every ssh session's environment.
install -d -m 0755 /etc/kata
{
  printf 'VM_ADDRESS=%s\n' "$VM_ADDRESS"
  printf 'KATA_RUN_ID=%s\n' "${KATA_RUN_ID:-}"
  printf 'INSTANCE_ID=%s\n' "${INSTANCE_ID:-}"
} > /etc/kata/vm.env
chmod 0644 /etc/kata/vm.env
grep -v -E '^(VM_ADDRESS|KATA_RUN_ID|INSTANCE_ID)=' /etc/environment > /etc/environment.new || true
cat /etc/kata/vm.env >> /etc/environment.new
mv /etc/environment.new /etc/environment

# `ubuntu` may use the host's docker socket: join the group that owns it, whatever its gid.
sock=/var/run/docker.sock
if [ -S "$sock" ]; then
  gid=$(stat -c %g "$sock")
  group=$(getent group "$gid" | cut -d: -f1 || true)
  if [ -z "$group" ]; then
    groupmod --non-unique --gid "$gid" docker
    group=docker
  fi
  usermod --append --groups "$group" ubuntu
  mode=$(stat -c %a "$sock")
  [ $(( ${mode: -2:1} & 6 )) -eq 6 ] \
    || log "$sock is not group read-write (mode $mode): ubuntu needs sudo for docker"
else
  log "no docker socket at $sock: docker commands on this VM will fail"
fi

# Host keys are made per VM, at start, never baked into the image.
ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key
ssh-keygen -q -t ecdsa -N '' -f /etc/ssh/ssh_host_ecdsa_key
install -d -m 0755 /run/sshd
/usr/sbin/sshd -t
log "VM ${INSTANCE_ID:-?} at $VM_ADDRESS: starting sshd"
exec /usr/sbin/sshd -D -e
