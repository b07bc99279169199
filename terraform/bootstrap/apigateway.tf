# API Gateway's account setting in this region: the role through which every REST API of the account
# writes its access and execution logs. It is one setting per account and region, so it has one owner,
# here, and the environments only check that the role exists. Destroying an environment leaves it alone.

resource "aws_iam_role" "api_gateway_cloudwatch" {
  count = var.manage_api_gateway_account ? 1 : 0

  name               = "dynamodbmanager-apigateway-cloudwatch-${data.aws_region.current.name}"
  description        = "Lets API Gateway write the access and execution logs of every REST API in ${data.aws_region.current.name}"
  assume_role_policy = data.aws_iam_policy_document.api_gateway_assume.json
  tags               = merge(var.tags, { Service = "dynamodbmanager", Purpose = "api-gateway-logging", ManagedBy = "terraform" })
}

# The trust policy AWS documents for this role: API Gateway, with no condition. It does not promise to
# send aws:SourceAccount when it assumes the role, and without it UpdateAccount would fail.
data "aws_iam_policy_document" "api_gateway_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy_attachment" "api_gateway_cloudwatch" {
  count = var.manage_api_gateway_account ? 1 : 0

  role       = aws_iam_role.api_gateway_cloudwatch[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

resource "aws_api_gateway_account" "this" {
  count = var.manage_api_gateway_account ? 1 : 0

  cloudwatch_role_arn = aws_iam_role.api_gateway_cloudwatch[0].arn

  depends_on = [aws_iam_role_policy_attachment.api_gateway_cloudwatch]
}
