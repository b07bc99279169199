# The function, from the zip `make build` produced. python3.13 is the newest Python runtime Lambda
# supports on arm64 with the longest support window ahead; Graviton (arm64) costs less per GB-second.
resource "aws_lambda_function" "this" {
  function_name = local.function_name
  description   = "dynamodbmanager: CRUD HTTP API over the ${local.table_name} table"
  role          = aws_iam_role.lambda.arn
  handler       = "dynamodbmanager.handler.lambda_handler"
  runtime       = "python3.13"
  architectures = ["arm64"]

  filename         = local.lambda_zip
  source_code_hash = filebase64sha256(local.lambda_zip)

  memory_size                    = var.lambda_memory_mb
  timeout                        = var.lambda_timeout_seconds
  reserved_concurrent_executions = coalesce(var.lambda_reserved_concurrency, -1)

  # A version per change when provisioned concurrency or SnapStart needs one (concurrency.tf).
  publish = local.use_alias

  # A snapshot of the initialised function, taken when a version is published (SnapStart: python3.12 and
  # later, arm64 included; not with provisioned concurrency, which variables.tf refuses).
  dynamic "snap_start" {
    for_each = var.snap_start ? [1] : []
    content {
      apply_on = "PublishedVersions"
    }
  }

  environment {
    variables = {
      TABLE_NAME                   = aws_dynamodb_table.items.name
      TABLE_SHAPE                  = local.table_shape
      CURSOR_SIGNING_KEY           = terraform_data.cursor_signing_key.output
      IDEMPOTENCY_TABLE_NAME       = aws_dynamodb_table.idempotency.name
      LOG_LEVEL                    = var.log_level
      CORS_ALLOWED_ORIGINS         = join(",", var.cors_allowed_origins)
      POWERTOOLS_SERVICE_NAME      = "dynamodbmanager"
      POWERTOOLS_METRICS_NAMESPACE = var.metrics_namespace
      DYNAMODB_CONNECT_TIMEOUT     = tostring(var.dynamodb_connect_timeout_seconds)
      DYNAMODB_READ_TIMEOUT        = tostring(var.dynamodb_read_timeout_seconds)
      DYNAMODB_CLIENT              = var.dynamodb_client
      TELEMETRY                    = var.telemetry
    }
  }

  tracing_config {
    mode = var.tracing_enabled ? "Active" : "PassThrough"
  }

  tags = local.tags

  # The log group and the permissions must exist before the first invocation can log.
  depends_on = [
    aws_cloudwatch_log_group.lambda,
    aws_iam_role_policy.lambda_dynamodb,
    aws_iam_role_policy.lambda_logs,
    aws_iam_role_policy.lambda_xray,
  ]

  #checkov:skip=CKV_AWS_116:Invoked synchronously by API Gateway only; a dead-letter queue receives asynchronous failures, of which there are none.
  #checkov:skip=CKV_AWS_117:The function talks only to DynamoDB and CloudWatch over AWS endpoints; a VPC would add NAT or endpoint costs for no isolation gain.
  #checkov:skip=CKV_AWS_115:Reserved concurrency is a variable (lambda_reserved_concurrency); reserving any fails on accounts with the default low quota.
  #checkov:skip=CKV_AWS_173:The environment holds only names, levels and timeouts, no secrets, so a customer managed key would protect nothing.
  #checkov:skip=CKV_AWS_272:The zip is built reproducibly and its SHA-256 is archived by the pipeline; code signing needs a Signer profile per account.
}

# The secret that signs list cursors: made once, kept in the state, the same for every instance of the
# function, and never shown to a client (the table's name, which /health discloses, would prove nothing).
# Two UUIDs from Terraform's random source, with no provider beyond hashicorp/aws.
resource "terraform_data" "cursor_signing_key" {
  input = "${uuid()}${uuid()}"

  lifecycle {
    ignore_changes = [input]
  }
}
