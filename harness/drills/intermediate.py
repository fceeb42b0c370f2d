"""Intermediate drills: faults in the Terraform environment and its lifecycle in the workflow
(static tier in milliseconds; Terraform tier, validate/checkov/plan, in seconds)."""

from __future__ import annotations

import json

from .model import AddFile, Drill, Replace

LEVEL = "intermediate"
WORKFLOW = ".github/workflows/pipeline.yml"
MAIN_TF = "terraform/main.tf"

SSH_RULE = (
    '    description = "{what}"\n'
    "    from_port   = 22\n"
    "    to_port     = 22\n"
    '    protocol    = "tcp"\n'
    "    cidr_blocks = [{cidr}]\n"
)
WORKSPACE_COMMENT = (
    "      # One Terraform workspace per run: its own state object in the backend\n"
    "      # and its own resource names (they include terraform.workspace), so two\n"
    "      # runs at the same time, or a re-run, never touch each other's\n"
    "      # environment. run_attempt makes a re-run start from a clean workspace.\n"
)
SELECT_STEP = (
    "      - name: Select this run's workspace\n"
    '        run: terraform -chdir=terraform workspace select -or-create "$WORKSPACE"\n\n'
)
DESTROY_COMMENT = (
    "      # always(): a failed deploy or a red test must not leave a VM running\n"
    "      # (and billing) with nobody watching it. Without it, any failure above\n"
    "      # skips this step. (Not `!cancelled()`: a cancelled run must clean up too.)\n"
)
GITIGNORE_TF = (
    "reports/\n\n"
    "# Terraform: the provider cache, state and saved plans are never committed.\n"
    "# State lives in the remote backend (S3 here): it can hold secrets in plain\n"
    "# text, and a copy in git is out of date after the next apply. A saved plan\n"
    "# embeds the variables it was made with.\n"
    ".terraform/\n*.tfstate\n*.tfstate.*\ntfplan\n*.tfplan\n"
)
LAPTOP_STATE = (
    json.dumps(
        {
            "version": 4,
            "terraform_version": "1.11.4",
            "serial": 14,
            "lineage": "3f0c9a52-5a7e-4d1b-9c3e-0b7f5d1e2a61",
            "outputs": {
                "instance_public_ip": {"value": "54.210.87.19", "type": "string"},
                "api_url": {"value": "http://54.210.87.19:8000", "type": "string"},
            },
            "resources": [
                {
                    "mode": "managed",
                    "type": "aws_instance",
                    "name": "api",
                    "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                    "instances": [
                        {
                            "schema_version": 1,
                            "attributes": {
                                "id": "i-0a1b2c3d4e5f67890",
                                "instance_type": "t3.micro",
                                "public_ip": "54.210.87.19",
                                "key_name": "iris-api-default",
                            },
                        }
                    ],
                }
            ],
        },
        indent=2,
    )
    + "\n"
)

DRILLS: tuple[Drill, ...] = (
    Drill(
        name="ssh-open-world",
        level=LEVEL,
        title="Abuse report: SSH brute force against the CI VMs",
        difficulty="medium",
        scenario=(
            "The cloud provider's abuse desk forwarded a report: the short-lived CI test VMs "
            "receive thousands of SSH login attempts per hour from addresses all over the "
            "world, and security review now blocks the Terraform change that was merged to "
            "'debug a failing deploy'. The deploy itself works."
        ),
        targets=("terraform.security", "terraform.plan"),
        edits=(
            Replace(
                MAIN_TF,
                SSH_RULE.format(
                    what="SSH from the deploying runner only", cidr="var.allowed_ssh_cidr"
                ),
                SSH_RULE.format(what="SSH (debugging the deploy)", cidr='"0.0.0.0/0"'),
            ),
        ),
    ),
    Drill(
        name="destroy-not-always",
        level=LEVEL,
        title="Cloud bill doubled: orphaned test VMs",
        difficulty="medium",
        scenario=(
            "This month's cloud bill doubled. The console lists 37 running instances named "
            "`iris-api-ci-...`, each from a pipeline run whose integration tests or deploy "
            "failed; runs that went green left nothing behind."
        ),
        targets=("workflow.destroy-always",),
        edits=(
            Replace(
                WORKFLOW,
                DESTROY_COMMENT + "      - name: Destroy the environment\n        if: always()\n",
                "      - name: Destroy the environment\n",
            ),
        ),
    ),
    Drill(
        name="shared-workspace",
        level=LEVEL,
        title="Two runs destroyed each other's environment",
        difficulty="hard",
        scenario=(
            "Two pushes landed a minute apart this morning. The first run's integration tests "
            "started failing against a VM the second run had just replaced, then the second "
            "run's destroy removed the instance the first run was still testing, and one of "
            "them printed `Error acquiring the state lock`. Each run must get an environment "
            "of its own."
        ),
        targets=("terraform.workspace-per-run",),
        edits=(
            Replace(WORKFLOW, WORKSPACE_COMMENT + "      - name: Name", "      - name: Name"),
            Replace(WORKFLOW, SELECT_STEP + "      # SSH is allowed", "      # SSH is allowed"),
        ),
    ),
    Drill(
        name="state-committed",
        level=LEVEL,
        title="Infrastructure details found in the repository",
        difficulty="hard",
        scenario=(
            "The security team's weekly repository scan found a JSON file with instance ids, a "
            "public IP and key names of our AWS account, committed last week from a laptop "
            "after a manual apply. Since then two engineers' plans disagree about what exists. "
            "Get it out of the repository (the history clean-up is a separate ticket) and make "
            "sure it cannot be committed again."
        ),
        targets=("terraform.no-state-committed",),
        edits=(
            Replace(".gitignore", GITIGNORE_TF, "reports/\n.terraform/\n"),
            AddFile("terraform/terraform.tfstate", LAPTOP_STATE),
        ),
        # "cannot be committed again": `git rm` alone leaves the next `git add -A` free to
        # commit the next local state
        must_ignore=("terraform/terraform.tfstate", "terraform/terraform.tfstate.backup"),
    ),
    Drill(
        name="wrong-instance-type",
        level=LEVEL,
        title="CI VMs billed at GPU prices",
        difficulty="easy",
        scenario=(
            "Finance flags the CI account: each short-lived test VM is now billed at about "
            "$3 an hour instead of about a cent, since someone reused variables from the "
            "training project. The integration tests are green."
        ),
        targets=("terraform.plan",),
        edits=(
            Replace(
                "terraform/variables.tf",
                'default     = "t3.micro"',
                'default     = "p3.2xlarge"',
            ),
        ),
    ),
    Drill(
        name="deploy-secret-name",
        level=LEVEL,
        title="Deploy fails with a non-TTY login on the VM",
        difficulty="medium",
        scenario=(
            "Since the secrets were 'cleaned up' in the workflow, the build job still pushes "
            "the image, but 'Deploy the container' fails on the VM with `Error: Cannot perform "
            "an interactive login from a non TTY device`, and the environment is destroyed "
            "without a test having run."
        ),
        targets=("workflow.known-secrets",),
        edits=(
            Replace(
                WORKFLOW,
                "REGISTRY_PASSWORD: ${{ secrets.REGISTRY_PASSWORD }}",
                "REGISTRY_PASSWORD: ${{ secrets.REGISTRY_TOKEN }}",
            ),
        ),
    ),
)
