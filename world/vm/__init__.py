"""The VM stand-in: a local container with sshd for each running instance in the AWS emulator."""
