terraform {
  required_version = ">= 1.6"

  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 2.30"
    }
  }

  # Remote state in S3, partial configuration: one state object per environment
  # (the key below); the bucket, region and endpoint are given at `terraform init`
  # time. The kata's harness passes them through TF_CLI_ARGS_init (an S3 bucket
  # on its AWS emulator); on GitHub, pass -backend-config=... for your bucket.
  # Jobs start from a fresh checkout, so state must never live on the runner.
  backend "s3" {
    key = "iris/staging.tfstate"
  }
}

# No kubeconfig path here: the provider reads KUBE_CONFIG_PATH from the
# environment (the harness sets it; on GitHub, a step writes the cluster's
# kubeconfig from a secret and exports the path).
provider "kubernetes" {}
