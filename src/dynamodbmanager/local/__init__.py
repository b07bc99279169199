"""The local stack: a DynamoDB emulator and an API Gateway emulator that invokes the built Lambda zip.

Nothing here ships in the Lambda zip.
"""
