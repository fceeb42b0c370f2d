"""An offline stand-in for the hashicorp/aws Terraform provider, backed by an EC2 emulator.

Terraform starts it from a filesystem mirror (see `world.terraform.mirror`) as
`registry.terraform.io/hashicorp/aws`, so a learner's unmodified configuration runs against
moto (or LocalStack) with no download. It serves a subset of the real provider: the resource
types in `resources.RESOURCES` and data sources in `data_sources.DATA_SOURCES`, with the real
attribute names and types. Anything else is refused by Terraform's schema validation (unknown
types and arguments), and real arguments the emulator cannot honour are refused with a
diagnostic that says so ("... is not supported by the offline AWS stand-in").

Addressing rule: an `aws_instance`'s `public_ip` is not the emulator's random public address
but `world.vm.addressing.vm_address(instance_id)`, a stable 127.A.B.C loopback address, and
`public_dns` is `ec2-127-A-B-C.compute.local`. The VM stand-in publishes that instance's sshd
and ports on exactly that address, so what Terraform outputs is what a workflow can reach.
An instance gets a public address only where AWS would give one (associate_public_ip_address
or a subnet with map_public_ip_on_launch); otherwise `public_ip` is "".

Deviations forced by the plugin protocol (the real provider relies on the legacy SDK's
leniency): arguments with a default in the real provider (e.g. `map_public_ip_on_launch`,
`description = "Managed by Terraform"`) are Optional+Computed here, and values read back
keep the configuration's representation (null vs "" vs false) so plans stay empty.

Only `world.vm.addressing` is imported from the harness; the rest of this package imports
nothing but `tf`, `world.terraform.provider_kit` (what it shares with the kubernetes
stand-in), botocore (lazily) and the standard library, to keep provider start-up fast.
"""
