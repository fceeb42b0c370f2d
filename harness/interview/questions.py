"""The interview prompts. The first two are the skill guide's own questions (its "answer
strategy" text turned into rubric points and an outline); the others are system-design prompts
grounded in the guide's advanced-level text (gated multi-environment promotion, canary,
blue-green with Terraform workspaces, separating provisioning from deployment and training
from serving, and the common mistakes it names: hardcoded secrets, unmanaged Terraform state,
monolithic workflows)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    slug: str
    title: str
    prompt: str
    probing: str  # what the interviewer is testing
    rubric: tuple[str, ...]  # points a strong answer covers
    outline: tuple[str, ...]  # a sample answer, as an outline
    source: str


GUIDE = "skill guide, interview question"
GROUNDED = "grounded in the skill guide's advanced-level text"

QUESTIONS: tuple[Question, ...] = (
    Question(
        slug="gpu-pipeline",
        title="Design a CI/CD pipeline for a model that needs GPU training and serving",
        prompt=(
            "We train a deep-learning model that needs GPUs for training, and we serve it "
            "behind an API, also on GPUs. Design the CI/CD pipeline, from a commit (or new "
            "data) to the model serving production traffic. Which stages, which runners, "
            "which artifacts, and how does a new model reach users safely?"
        ),
        probing="system design skills and ML-specific constraints (GPUs, artifacts, rollout)",
        rubric=(
            "Structures the pipeline in explicit stages, Source -> Build -> Train -> Package "
            "-> Deploy, each with a defined input and output artifact",
            "Triggers on code AND data/config changes (path filters, data version, schedule), "
            "running cheap checks (lint, unit tests) before any GPU time is spent",
            "Builds a training image with pinned CUDA/framework versions (base image digest, "
            "lock file) so training is reproducible and the image is cached",
            "Runs training on GPU capacity hosted runners lack: self-hosted runners with a "
            "`gpu` label (ephemeral, autoscaled) or a managed training job launched from CI, "
            "with time-outs and scale-to-zero for cost",
            "Stores the trained model as a versioned artifact (registry, MLflow, object "
            "storage) with lineage (commit SHA, data version, metrics) and gates it on "
            "evaluation against the current production model",
            "Packages serving separately from training: a slim serving image (or a KServe/"
            "Triton runtime) tagged with the commit SHA, pushed to a registry such as ECR",
            "Deploys with infrastructure as code and a progressive rollout: Terraform for the "
            "cluster and GPU node pool, Helm/KServe for the model, canary with automatic "
            "rollback on bad metrics",
            "Covers security and operations: OIDC to the cloud instead of long-lived keys, "
            "secrets from a store, monitoring of latency, GPU utilisation and drift",
        ),
        outline=(
            "Stages: Source (push or new data version) -> Build -> Train -> Package -> Deploy.",
            "Build: lint + unit tests on hosted runners; build the CUDA training image "
            "(pinned base, lock file), push it by digest.",
            "Train: a job on a self-hosted GPU runner (label `gpu`, ephemeral) or a cloud "
            "training job; outputs model + metrics to the model registry with commit SHA and "
            "data version.",
            "Gate: evaluation vs. the production model; fail the pipeline on regression.",
            "Package: serving image (KServe/Triton) with the model, tagged with the SHA.",
            "Deploy: Terraform manages the Kubernetes cluster and GPU node pool; Helm deploys "
            "the model; canary a few percent, watch error rate/latency, promote or roll back.",
            "Around it: OIDC credentials, caching, cost limits, monitoring and drift alerts.",
        ),
        source=GUIDE,
    ),
    Question(
        slug="broken-training-job",
        title="A pipeline failed: investigate it, and keep broken training jobs out of prod",
        prompt=(
            "A training pipeline you own failed, and we found out that a broken training job "
            "had nearly made it to production. How would you investigate the failure, and what "
            "would you change so that a broken training job can never reach production again?"
        ),
        probing="problem-solving skills and a focus on robustness",
        rubric=(
            "Starts from evidence: the run's logs in GitHub Actions, the first failing step, "
            "and reproduces it with the same commit and container, not by guessing",
            "Classifies the cause (code, data, dependency drift, runner/infrastructure, flaky) "
            "and, for a dependency issue, verifies the container build and the resolved "
            "package versions",
            "Contains the impact first: stops promotion, keeps or rolls back to the last "
            "known-good model and image (immutable SHA tags make that possible)",
            "Makes checks required before merge: branch protection with a required GitHub "
            "Actions job running unit and integration tests of the training code",
            "Runs those tests in an isolated, reproducible environment (the training "
            "container, a small-sample training smoke run), not on a mutable machine",
            "Pins every dependency (== in requirements.txt) and uses a lock file generated "
            "from a dedicated clean environment (with hashes); pins base images by digest",
            "Adds gates between training and deployment: data/schema validation and "
            "evaluation thresholds; a job that fails them cannot be packaged or deployed",
            "Follows up: blameless post-mortem, a regression test for this failure, alerts on "
            "pipeline failures",
        ),
        outline=(
            "Investigate: open the failed run, find the first red step, read its log; "
            "reproduce locally with the same commit and image (e.g. act, or the CI container).",
            "If it is a dependency issue: rebuild the container, diff `pip freeze` against the "
            "last good build.",
            "Contain: block promotion, keep serving the last good model (SHA-tagged image).",
            "Prevent: required pre-merge job (unit + integration tests of training code, "
            "smoke training on a sample) in an isolated environment.",
            "Reproducibility: pin everything, lock file from a dedicated environment.",
            "Gates: evaluation thresholds and data validation before packaging; `needs` so "
            "nothing downstream runs after a failure.",
            "Learn: post-mortem, regression test, alerting.",
        ),
        source=GUIDE,
    ),
    Question(
        slug="gated-promotion",
        title="Promote a model through dev, staging and prod with gates and a canary",
        prompt=(
            "Design a production-grade pipeline that promotes a model artifact through dev, "
            "staging and prod. Where are the automated validation gates, where do humans "
            "approve, and how do you roll a new model out to production traffic safely?"
        ),
        probing="multi-environment design, gating, progressive delivery and rollback",
        rubric=(
            "Builds once and promotes the same immutable artifact (image digest plus model "
            "version) through dev -> staging -> prod, never rebuilding per environment",
            "Keeps environments separate: env/dev, env/staging, env/prod Terraform "
            "configurations with their own state and credentials",
            "Automates gates at each step: tests, evaluation metrics against thresholds, smoke "
            "tests after every deploy",
            "Uses GitHub Environments with required reviewers (and deployment branch rules) "
            "for the manual approval into staging and prod",
            "Runs a canary: the new version beside the old one, a small share of traffic "
            "routed to it (ingress weights, service mesh, KServe canaryTrafficPercent)",
            "Decides on metrics: error rate, latency and model-quality signals compared with "
            "the baseline over a set window; automatic rollback on a breach, progressive "
            "shift to 100% on success",
            "Keeps it traceable and safe: deployment history per environment, the previous "
            "version ready for rollback, concurrency groups so two promotions never race",
        ),
        outline=(
            "Push to `dev` trains, builds and deploys to the dev cluster (Terraform-provisioned).",
            "Promotion job to staging bound to a GitHub Environment with required reviewers; "
            "same image digest, staging Terraform config.",
            "Staging: deploy the new version beside the old, route e.g. 10% (canary), run "
            "smoke tests and watch metrics for a window.",
            "Success: trigger prod (another Environment gate), shift traffic progressively; "
            "failure: route 100% back to the old version automatically.",
            "Everything by digest; history in the Environments page; concurrency per env.",
        ),
        source=GROUNDED,
    ),
    Question(
        slug="secrets-and-state",
        title="Manage secrets and Terraform state in an ML CI/CD pipeline",
        prompt=(
            "Our pipeline provisions cloud infrastructure with Terraform and pushes images to "
            "a registry. How do you handle credentials and secrets, and how do you manage "
            "Terraform state, so that nothing leaks and concurrent runs cannot corrupt "
            "anything?"
        ),
        probing="security basics and the common mistakes (hardcoded secrets, state handling)",
        rubric=(
            "Keeps every secret out of the repository: GitHub Actions/Environment secrets or a "
            "secret manager (Vault, AWS Secrets Manager), referenced as ${{ secrets.X }}, "
            "with secret scanning and push protection to catch leaks",
            "Uses OIDC federation from GitHub Actions to the cloud (`id-token: write`, a role "
            "whose trust is scoped to the repository, branch or environment) instead of "
            "long-lived access keys",
            "Applies least privilege: separate roles per environment and per job (plan vs. "
            "apply), minimal `permissions:` in workflows",
            "Stores state in a remote backend with locking (S3 with a DynamoDB table or S3 "
            "lock file, GCS, Terraform Cloud) and never commits it (.gitignore *.tfstate)",
            "Treats state as sensitive: encrypted at rest, access-restricted, versioned for "
            "recovery; marks sensitive variables and outputs",
            "Isolates state per environment (separate backends or keys) and per ephemeral run "
            "(workspaces), so a test run can never touch production state",
            "Keeps secrets out of logs and images: masked, passed on stdin or env rather than "
            "command-line arguments, no ENV/ARG secrets in Dockerfiles (build secret mounts), "
            "and a rotation plan",
        ),
        outline=(
            "Secrets: GitHub Environments secrets / a secret manager; nothing in git; secret "
            "scanning with push protection.",
            "Cloud access: OIDC to an IAM role per environment; no stored access keys.",
            "State: remote backend, locking, encryption, versioning; .gitignore state files.",
            "Isolation: one state per environment, a workspace per CI run, destroyed after.",
            "Hygiene: masking, --password-stdin, BuildKit secret mounts, rotation.",
        ),
        source=GROUNDED,
    ),
    Question(
        slug="separation-of-concerns",
        title="Separate infrastructure from app deployment, and training from serving",
        prompt=(
            "Today one big workflow does everything: it provisions the cluster, trains the "
            "model, builds the API image and deploys it. How would you restructure it so "
            "infrastructure provisioning is separate from application deployment, and model "
            "training is separate from serving?"
        ),
        probing="pipeline architecture and avoiding monolithic workflows",
        rubric=(
            "Explains why: different change rates, blast radius, permissions and run times; "
            "a monolith couples them (an API typo re-runs provisioning and training)",
            "Splits into separate workflows by path filters: infrastructure (terraform/**: "
            "plan on pull requests, apply on merge with approval), application (src/**, "
            "Dockerfile), training (training code, data version, schedule)",
            "Defines contracts between them: infrastructure publishes outputs (cluster "
            "endpoint, registry URL) through remote state or a parameter store; deployment "
            "consumes them without owning the infrastructure",
            "Training produces a versioned model in a model registry; serving deploys a chosen "
            "model version; promotion is an explicit step, training never deploys directly",
            "Shares steps through reusable workflows or composite actions, and chains "
            "workflows with workflow_run or repository_dispatch where needed",
            "Gives each workflow its own runners and credentials: GPU self-hosted runners only "
            "for training, an infrastructure role separate from the deploy role",
            "Makes rollback independent: a model or app version can be rolled back without "
            "touching infrastructure, and infrastructure changed without redeploying",
        ),
        outline=(
            "Why: blast radius, permissions, speed; the guide lists monolithic workflows as a "
            "common mistake.",
            "infra.yml (terraform/**): plan on PR, apply on main behind an Environment.",
            "train.yml (training code/data/schedule, GPU runner): registers a model version.",
            "deploy.yml (src/**, Dockerfile, or a model promotion event): builds the serving "
            "image and deploys the chosen model version.",
            "Contracts: Terraform outputs / parameter store; model registry versions.",
            "Reusable workflows for shared steps; separate roles; independent rollbacks.",
        ),
        source=GROUNDED,
    ),
    Question(
        slug="blue-green-workspaces",
        title="Blue-green deployment of a model-serving stack with Terraform workspaces",
        prompt=(
            "Design a blue-green deployment for our model-serving infrastructure using "
            "Terraform workspaces. How does a release switch traffic from blue to green, how "
            "do you roll back, and what are the trade-offs of using workspaces for this?"
        ),
        probing="Terraform state and workspace semantics, zero-downtime releases, trade-offs",
        rubric=(
            "Builds two complete stacks (blue and green) from the same Terraform code, each in "
            "its own workspace with its own state; names and tags include terraform.workspace",
            "Keeps shared, long-lived parts (DNS, load balancer or listener, VPC) in a separate "
            "configuration and state; only the switch points at the active colour",
            "Deploys the new version to the idle colour and tests it (smoke, integration, "
            "model checks, warm-up of model and GPU) before it gets any traffic",
            "Switches traffic in the shared layer (weighted target groups, DNS record, "
            "ingress), atomically or gradually, keeping the old colour running for an "
            "instant switch-back, and destroys it only after a bake period",
            "Records which colour is live (an output or parameter the pipeline reads) and uses "
            "concurrency control so two releases never deploy to the same idle colour",
            "Names the trade-offs: double cost during the switch; stateful parts (databases, "
            "feature stores) cannot simply be duplicated, so schemas must stay compatible",
            "Knows workspaces share one backend and credentials: fine for blue/green of one "
            "environment, but prod vs. non-prod isolation needs separate configurations or "
            "accounts",
        ),
        outline=(
            "Shared layer (own state): VPC, load balancer, DNS, with a `live_colour` input.",
            "Colour layer: same code, `terraform workspace select -or-create green`; resources "
            "named with terraform.workspace.",
            "Release: apply the idle colour, deploy the model, run smoke tests and warm up.",
            "Switch: update the shared layer's weights/record; watch metrics.",
            "Rollback: switch back (old colour still running); later destroy the old colour.",
            "Trade-offs: cost, state/data compatibility, workspace isolation limits.",
        ),
        source=GROUNDED,
    ),
)
