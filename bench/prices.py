"""AWS list prices used by the cost model (us-east-1, on-demand, arm64), as of 2026-11-01.

Source: the AWS pricing pages as summarised in DESIGN.md. Update the date when you update a number.
"""

from __future__ import annotations

PRICES_AS_OF = "2026-11-01"

USD_PER_MILLION_REQUESTS = {
    "apigateway-http": 1.00,  # HTTP API, first 300M
    "sqs-fifo": 0.50,  # per 1M requests (a batch of 10 is one request; 64 KB chunks)
    "sqs-standard": 0.40,
    "eventbridge": 1.00,  # custom events published (PutEvents entries, 64 KB chunks)
    "s3-put": 5.00,  # PUT, COPY, POST, LIST
    "s3-get": 0.40,
    "lambda-requests": 0.20,
    "dynamodb-wru": 0.625,  # on-demand write request units (1 KB each)
    "dynamodb-rru": 0.125,  # on-demand read request units (4 KB strongly consistent)
    "secretsmanager-api": 0.05 * 100,  # $0.05 per 10,000 API calls
    "ses-email": 100.0,  # $0.10 per 1,000 emails
    "cloudwatch-metrics-api": 10.0,  # $0.01 per 1,000 requests
}

LAMBDA_USD_PER_GB_SECOND_ARM = 0.0000133334
CLOUDWATCH_LOGS_USD_PER_GB = 0.50


def cost_per_million(
    requests_per_event: dict[str, float], lambda_gb_seconds_per_event: float = 0.0, log_bytes_per_event: float = 0.0
) -> dict[str, float]:
    """USD per 1M events by price line, from per-event request counts."""
    out = {line: count * USD_PER_MILLION_REQUESTS[line] for line, count in requests_per_event.items()}
    out["lambda-compute"] = lambda_gb_seconds_per_event * 1_000_000 * LAMBDA_USD_PER_GB_SECOND_ARM
    out["cloudwatch-logs"] = log_bytes_per_event * 1_000_000 / 1e9 * CLOUDWATCH_LOGS_USD_PER_GB
    out["total"] = sum(out.values())
    return out
