# --- The function's role: only what the code calls, on only this service's resources -------------

resource "aws_iam_role" "lambda" {
  name                 = "${local.name}-function"
  description          = "Execution role of the ${var.function_name} Lambda function"
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
      "dynamodb:DeleteItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Scan",
      "dynamodb:UpdateItem",
    ]
    resources = [aws_dynamodb_table.items.arn]
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

# --- API Gateway's account-wide role for writing access and execution logs -----------------------

resource "aws_iam_role" "api_gateway_cloudwatch" {
  count = var.manage_api_gateway_account ? 1 : 0

  name               = "${local.name}-apigateway-cloudwatch"
  description        = "Lets API Gateway write access and execution logs to CloudWatch Logs in ${local.region}"
  assume_role_policy = data.aws_iam_policy_document.api_gateway_assume.json
  tags               = local.tags
}

data "aws_iam_policy_document" "api_gateway_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role_policy_attachment" "api_gateway_cloudwatch" {
  count = var.manage_api_gateway_account ? 1 : 0

  role       = aws_iam_role.api_gateway_cloudwatch[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

resource "aws_api_gateway_account" "this" {
  count = var.manage_api_gateway_account ? 1 : 0

  cloudwatch_role_arn = aws_iam_role.api_gateway_cloudwatch[0].arn
  # The role goes with this stack, so the setting that points at it goes too.
  reset_on_delete = true

  depends_on = [aws_iam_role_policy_attachment.api_gateway_cloudwatch]
}
