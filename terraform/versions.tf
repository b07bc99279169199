terraform {
  # 1.11: the S3 backend's own lock file (use_lockfile) is experimental in 1.10; 1.9 for validations
  # that read other variables.
  required_version = ">= 1.11.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # Partial configuration: each environment supplies bucket, key and region with
  # `terraform init -backend-config=environments/<env>.backend.hcl` (see the *.example files).
  backend "s3" {}
}
