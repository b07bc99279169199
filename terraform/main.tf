provider "aws" {
  region = var.aws_region
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  # Prefix of every name that is not set by a variable, so environments sharing an account do not clash.
  name       = "dynamodbmanager-${var.environment}"
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  # The zip `make build` writes, unless a path is given.
  lambda_zip = coalesce(var.lambda_zip_path, "${path.module}/../dist/lambda.zip")

  tags = merge(var.tags, {
    Service     = "dynamodbmanager"
    Environment = var.environment
    ManagedBy   = "terraform"
  })
}
