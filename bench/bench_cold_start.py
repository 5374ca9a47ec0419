"""Cold start of each function as deployed: import + first invocation of the `sam build` output.

Each handler runs in a fresh interpreter that sees only its built function directory, its layers and the
runtime's boto3 (bench/lambda_sandbox.py), and is invoked once with an event of its trigger's shape; its
first AWS call is answered at once as unreachable, so the figure is Python's own work (imports, clients,
config, models), not the network. The baseline is `import boto3` + one client in the same kind of
interpreter in the same run, so the ratio means the same on any machine. Targets: webhook_ingest ≤ 1.5x,
the others ≤ 1.3x.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from bench.lambda_sandbox import build_for_this_machine, handlers, run_handler, runtime_dir

REPEATS = 5
# parameters a deploy must give (the rest have defaults); their values do not change the work measured
PARAMETERS = {"SenderAddress": "alerts@example.org", "MarketingSenderAddress": "news@example.org", "SurveySenderAddress": "surveys@example.org", "OpsEmail": "ops@example.org"}


def run() -> list[tuple[str, float, str]]:
    with tempfile.TemporaryDirectory(prefix="cold-start-") as tmp:
        build = build_for_this_machine(Path(tmp) / "build")
        runtime = runtime_dir(Path(tmp) / "runtime")
        rows: list[tuple[str, float, str]] = []
        baselines: list[float] = []
        for handler in handlers(build, PARAMETERS):
            # the baseline runs interleaved with each handler's runs: a busy machine slows both alike
            paired = [(run_handler(None, runtime), run_handler(handler, runtime)) for _ in range(REPEATS)]
            base = statistics.median(b["total_s"] for b, _ in paired)
            baselines.append(base)
            total = statistics.median(r["total_s"] for _, r in paired)
            imported = statistics.median(r["import_s"] for _, r in paired)
            rows.append((f"{handler.logical_id} import", imported * 1000, "ms"))
            rows.append((f"{handler.logical_id} import + first invocation", total * 1000, "ms"))
            rows.append((f"{handler.logical_id} vs baseline", total / base, "x"))
        return [("baseline: import boto3 + one client", statistics.median(baselines) * 1000, "ms"), *rows]
