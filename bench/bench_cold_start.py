"""Cold start of each function as deployed: import + first invocation of the `sam build` output.

Each handler runs in a fresh interpreter that sees only its built function directory, its layers and the
runtime's boto3 (bench/lambda_sandbox.py), and is invoked once with an event of its trigger's shape; its
first AWS call is answered at once as unreachable, so the figure is Python's own work (imports, clients,
config, models), not the network. The baseline is `import boto3` + one client in the same kind of
interpreter in the same run, so the ratio means the same on any machine. Targets: webhook_ingest ≤ 1.5x,
the others ≤ 1.3x.

The floors are what the libraries every handler is built on (Powertools, pydantic) cost on top of the
baseline before any code of ours runs: no handler can start faster than its floor.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from bench.lambda_sandbox import build_for_this_machine, handlers, run_handler, runtime_dir

REPEATS = 5
# What the stack every handler is built on costs before any code of ours, with the collector paused as our
# handlers pause it: Powertools Logger and Metrics, pydantic and one model; queue handlers add Powertools Batch.
_HTTP_FLOOR = """
import gc; gc.disable()
from aws_lambda_powertools import Logger, Metrics
Logger(service="floor"); Metrics(service="floor")
import pydantic
class Floor(pydantic.BaseModel):
    x: int
Floor(x=1)
"""
FLOORS = {
    "http": _HTTP_FLOOR,  # also the scheduled handlers
    "queue": "import aws_lambda_powertools.utilities.batch\n" + _HTTP_FLOOR,
}
FLOOR_ROW = "floor for {} handlers, libraries alone"
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
        shared = next(d for h in handlers(build, PARAMETERS) for d in h.layer_dirs if (d / "pydantic").is_dir())
        for name, floor in FLOORS.items():
            paired = [(run_handler(None, runtime), run_handler(None, runtime, floor=floor, layers=[shared]))
                      for _ in range(REPEATS)]
            ratio = statistics.median(f["total_s"] for _, f in paired) / statistics.median(b["total_s"] for b, _ in paired)
            rows.append((FLOOR_ROW.format(name), ratio, "x"))
        return [("baseline: import boto3 + one client", statistics.median(baselines) * 1000, "ms"), *rows]
