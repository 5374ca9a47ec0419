"""Cold start: import + init of each handler in a fresh interpreter, as a ratio to `import boto3` + one client.

The baseline is measured in the same run, so the ratio means the same on any machine.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

from journeysync_local.template import load_template, resources_of_type

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 5

_BASELINE = "import boto3; boto3.client('sqs', region_name='eu-west-2')"


def _time(code: str) -> float:
    """Median wall seconds of `code` in a fresh interpreter (interpreter start subtracted)."""
    runs = []
    for _ in range(REPEATS):
        out = subprocess.run(
            [sys.executable, "-c", f"import time; t=time.perf_counter(); {code}; print(time.perf_counter()-t)"],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env={
                "PATH": "/usr/bin:/bin",
                "AWS_DEFAULT_REGION": "eu-west-2",
                "POWERTOOLS_SERVICE_NAME": "bench",
                "POWERTOOLS_METRICS_NAMESPACE": "bench",
                "JOURNEYSYNC_TABLE_NAME": "t",
            },
        )
        runs.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(runs)


def run() -> list[tuple[str, float, str]]:
    baseline = _time(_BASELINE)
    rows: list[tuple[str, float, str]] = [("baseline: import boto3 + one client", baseline * 1000, "ms")]
    functions = resources_of_type(load_template(ROOT / "template.yaml"), "AWS::Serverless::Function")
    for logical_id, resource in sorted(functions.items()):
        module = resource["Properties"]["Handler"].rpartition(".")[0]
        seconds = _time(f"import {module}")
        rows.append((f"{logical_id} import+init", seconds * 1000, "ms"))
        rows.append((f"{logical_id} vs baseline", seconds / baseline, "x"))
    return rows
