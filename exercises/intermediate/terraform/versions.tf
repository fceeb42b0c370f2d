terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }

  # Remote state, partial configuration: bucket, key, region and endpoint are
  # given at `terraform init` time, not written here, so the same code works
  # for every environment. On GitHub you would pass them with
  #   terraform init -backend-config="bucket=..." -backend-config="key=..."
  # The kata's grader supplies them through TF_CLI_ARGS_init.
  # Each workspace gets its own state object in the bucket (env:/<workspace>/<key>).
  backend "s3" {}
}
