"""The `journeysync` command line: the local stack (dev, demo) and operator commands.

It lives in infra/, not in the Lambda layer: nothing here is deployed.
"""
