"""dynamodbmanager: a CRUD API over one DynamoDB table, served by AWS Lambda behind API Gateway."""

__version__ = "1.0.0"
