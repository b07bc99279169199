"""The operations on the DynamoDB table: everything here knows DynamoDB, nothing here knows HTTP."""
