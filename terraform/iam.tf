# --- The function's role: only what the code calls, on only this service's resources -------------

resource "aws_iam_role" "lambda" {
  name                 = "${local.name}-function"
  description          = "Execution role of the ${local.function_name} Lambda function"
  assume_role_policy   = data.aws_iam_policy_document.lambda_assume.json
  max_session_duration = 3600
  tags                 = local.tags
}

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# The DynamoDB calls the service makes (dynamodbmanager.store), on its two tables only; they have no indexes.
data "aws_iam_policy_document" "lambda_dynamodb" {
  statement {
    sid = "ReadAndWriteItems"
    actions = [
      "dynamodb:BatchGetItem",
      "dynamodb:ConditionCheckItem",
      "dynamodb:DeleteItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:Scan",
      "dynamodb:UpdateItem",
    ]
    resources = [aws_dynamodb_table.items.arn]
  }

  # Query and Scan of each secondary index, named one by one (no wildcard).
  dynamic "statement" {
    for_each = length(local.index_names) > 0 ? [1] : []
    content {
      sid       = "ReadIndexes"
      actions   = ["dynamodb:Query", "dynamodb:Scan"]
      resources = [for name in local.index_names : "${aws_dynamodb_table.items.arn}/index/${name}"]
    }
  }

  # Powertools' idempotency persistence layer: it reads, writes, completes and drops one record per key.
  statement {
    sid = "KeepIdempotencyRecords"
    actions = [
      "dynamodb:DeleteItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
    ]
    resources = [aws_dynamodb_table.idempotency.arn]
  }
}

resource "aws_iam_role_policy" "lambda_dynamodb" {
  name   = "dynamodb-items"
  role   = aws_iam_role.lambda.id
  policy = data.aws_iam_policy_document.lambda_dynamodb.json
}

# The log group exists already (logs.tf), so the function needs no logs:CreateLogGroup.
data "aws_iam_policy_document" "lambda_logs" {
  statement {
    sid       = "WriteOwnLogStreams"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.lambda.arn}:log-stream:*"]
  }
}

resource "aws_iam_role_policy" "lambda_logs" {
  name   = "cloudwatch-logs"
  role   = aws_iam_role.lambda.id
  policy = data.aws_iam_policy_document.lambda_logs.json
}

# X-Ray has no resource-level permissions: these actions only ever take "*".
data "aws_iam_policy_document" "lambda_xray" {
  statement {
    sid       = "WriteTraces"
    actions   = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "lambda_xray" {
  count = var.tracing_enabled ? 1 : 0

  name   = "xray-traces"
  role   = aws_iam_role.lambda.id
  policy = data.aws_iam_policy_document.lambda_xray.json
}

# --- API Gateway's account-wide logging role -----------------------------------------------------

# The region's API Gateway account setting names one role for every API's access and execution logs.
# terraform/bootstrap owns it (one per account and region); an environment only checks that the role
# exists, so that applying or destroying one never changes what the others, or other APIs, log with.
locals {
  api_gateway_cloudwatch_role_name = coalesce(var.api_gateway_cloudwatch_role_name, "dynamodbmanager-apigateway-cloudwatch-${local.region}")
}

data "aws_iam_roles" "api_gateway_cloudwatch" {
  # The name, matched whole, with the two characters a role name may hold that a regex reads as operators escaped.
  name_regex = "^${replace(local.api_gateway_cloudwatch_role_name, "/([.+])/", "\\$1")}$"

  lifecycle {
    postcondition {
      condition     = length(self.names) == 1
      error_message = "API Gateway's CloudWatch Logs role ${local.api_gateway_cloudwatch_role_name} is not in this account: apply terraform/bootstrap in ${local.region} first (README, \"Deploy to AWS\", step 2), or set api_gateway_cloudwatch_role_name to the role another stack set up."
    }
  }
}
