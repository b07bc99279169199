# Against cold starts, as AWS offers it: provisioned concurrency (instances kept initialised, billed
# while configured) or SnapStart (a snapshot of the initialised function, restored instead of an init).
# Both work on a published version only, never on $LATEST: when either is on, the function publishes a
# version on every change, the alias `live` follows the newest one, and API Gateway invokes the alias.
# With both off (the default) there is no version, no alias, and API Gateway invokes the function.

locals {
  # Whether the function publishes versions and API Gateway goes through the alias.
  use_alias = var.provisioned_concurrency > 0 || var.snap_start

  # What API Gateway invokes, and the qualifier of its permission (null: the unqualified function).
  invoke_arn       = local.use_alias ? aws_lambda_alias.live[0].invoke_arn : aws_lambda_function.this.invoke_arn
  invoke_qualifier = local.use_alias ? aws_lambda_alias.live[0].name : null
}

resource "aws_lambda_alias" "live" {
  count = local.use_alias ? 1 : 0

  name             = "live"
  description      = "The version API Gateway invokes: the newest one Terraform published"
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version
}

# Instances initialised ahead of traffic, on the alias (so on each newly published version in turn).
resource "aws_lambda_provisioned_concurrency_config" "live" {
  count = var.provisioned_concurrency > 0 ? 1 : 0

  function_name                     = aws_lambda_alias.live[0].function_name
  qualifier                         = aws_lambda_alias.live[0].name
  provisioned_concurrent_executions = var.provisioned_concurrency
}
