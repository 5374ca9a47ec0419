"""The reconcile report: counts per drift class (found and repaired), examples, and where it went.

`Report.to_json()` is what `journeysync reconcile --json` prints and what lands in S3: integer
counts under keys that name the class (`{"drift": {"missing": 3, …}, "repaired": {…}}`), the same
per destination or source under `by_target`, a few examples per class (emails masked), and the
informational counts that are not drift (a stranger unsubscribed at the destination, a topic the
contact opted out of themselves, anonymous payments). The HTML is the same data as a page; the
email digest is a short text with the totals and a link-free pointer to the S3 keys.
"""

from __future__ import annotations

import html
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

CLASSES = ("missing", "extra", "stale", "consent_mismatch", "missed_webhook")
EXAMPLES_PER_CLASS = 5


def mask_email(email: str) -> str:
    """`a***@example.org`: enough for an operator to recognise, not a copy of the address."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


@dataclass
class Report:
    dry_run: bool = False
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None
    drift: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))  # target → class → n
    repaired: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    failed: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    failures: list[str] = field(default_factory=list)
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    info: Counter[str] = field(default_factory=Counter)
    scanned: dict[str, dict[str, int]] = field(default_factory=dict)
    locations: dict[str, str] = field(default_factory=dict)

    def found(self, target: str, kind: str, n: int = 1) -> None:
        self.drift[target][kind] += n

    def uncount(self, target: str, kind: str) -> None:
        self.drift[target][kind] -= 1

    def repaired_one(self, target: str, kind: str, n: int = 1) -> None:
        self.repaired[target][kind] += n

    def failure(self, target: str, kind: str, reason: str) -> None:
        self.failed[target][kind] += 1
        if len(self.failures) < 20:
            self.failures.append(f"{target} {kind}: {reason}"[:300])

    def example(self, target: str, kind: str, detail: dict[str, Any]) -> None:
        bucket = self.examples[kind]
        if len(bucket) < EXAMPLES_PER_CLASS:
            bucket.append({"target": target, **detail})

    @staticmethod
    def _totals(per_target: dict[str, Counter[str]]) -> dict[str, int]:
        totals = dict.fromkeys(CLASSES, 0)
        for counts in per_target.values():
            for kind, n in counts.items():
                totals[kind] = totals.get(kind, 0) + n
        return totals

    @property
    def total_drift(self) -> int:
        return sum(self._totals(self.drift).values())

    def to_json(self) -> dict[str, Any]:
        targets = sorted(set(self.drift) | set(self.repaired) | set(self.scanned))
        return {
            "drift": self._totals(self.drift),
            "repaired": self._totals(self.repaired),
            "failed": self._totals(self.failed),
            "dry_run": self.dry_run,
            "started_at": self.started_at.isoformat(),
            "finished_at": (self.finished_at or datetime.now(UTC)).isoformat(),
            "by_target": {
                t: {
                    "drift": {k: v for k, v in self.drift.get(t, Counter()).items() if v},
                    "repaired": {k: v for k, v in self.repaired.get(t, Counter()).items() if v},
                    "scanned": self.scanned.get(t, {}),
                }
                for t in targets
            },
            "info": dict(sorted((k, v) for k, v in self.info.items() if v)),
            "examples": {k: v for k, v in self.examples.items() if v},
            "failures": self.failures,
            "report": dict(self.locations),
        }


def render_html(doc: dict[str, Any]) -> str:
    esc = html.escape
    rows = "".join(
        f"<tr><td>{esc(k)}</td><td>{doc['drift'].get(k, 0)}</td><td>{doc['repaired'].get(k, 0)}</td>"
        f"<td>{doc['failed'].get(k, 0)}</td></tr>"
        for k in doc["drift"]
    )
    targets = "".join(
        f"<tr><td>{esc(t)}</td><td>{esc(json.dumps(v['drift'], sort_keys=True))}</td>"
        f"<td>{esc(json.dumps(v['repaired'], sort_keys=True))}</td><td>{esc(json.dumps(v['scanned'], sort_keys=True))}</td></tr>"
        for t, v in doc["by_target"].items()
    )
    examples = "".join(
        f"<h3>{esc(kind)}</h3><ul>" + "".join(f"<li><code>{esc(json.dumps(e, sort_keys=True))}</code></li>" for e in items) + "</ul>"
        for kind, items in doc["examples"].items()
    )
    info = "".join(f"<li>{esc(k)}: {v}</li>" for k, v in doc["info"].items())
    title = "journeysync reconcile" + (" (dry run)" if doc["dry_run"] else "")
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>"
        + esc(title)
        + "</title><style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}</style></head><body>"
        + f"<h1>{esc(title)}</h1><p>{esc(doc['started_at'])} → {esc(doc['finished_at'])}</p>"
        + "<h2>Drift</h2><table><tr><th>class</th><th>found</th><th>repaired</th><th>failed</th></tr>"
        + rows
        + "</table><h2>Per destination / source</h2><table><tr><th>target</th><th>drift</th><th>repaired</th><th>scanned</th></tr>"
        + targets
        + "</table><h2>Examples</h2>"
        + (examples or "<p>none</p>")
        + "<h2>Kept, not drift</h2><ul>"
        + (info or "<li>nothing</li>")
        + "</ul></body></html>"
    )


def digest_text(doc: dict[str, Any]) -> str:
    lines = [f"journeysync reconcile {doc['started_at'][:16]}{' (dry run)' if doc['dry_run'] else ''}", ""]
    lines += [f"{k:<18} found {doc['drift'][k]:>7}   repaired {doc['repaired'].get(k, 0):>7}" for k in doc["drift"]]
    if doc["failures"]:
        lines += ["", "failures:"] + [f"  {f}" for f in doc["failures"][:10]]
    if doc["report"]:
        lines += ["", "full report:"] + [f"  {k}: {v}" for k, v in doc["report"].items()]
    return "\n".join(lines) + "\n"


def publish(doc: dict[str, Any], s3: Any, bucket: str, prefix: str) -> dict[str, str]:
    """Write the JSON and HTML report to S3 (one PUT each); returns their s3:// addresses."""
    stamp = doc["started_at"][:19].replace(":", "")
    base = f"{prefix.rstrip('/')}/{stamp[:10]}/{stamp}"
    keys = {"json": f"{base}.json", "html": f"{base}.html"}
    where = {k: f"s3://{bucket}/{v}" for k, v in keys.items()}
    body = {**doc, "report": where}
    s3.put_object(Bucket=bucket, Key=keys["json"], Body=json.dumps(body, indent=2).encode(), ContentType="application/json")
    s3.put_object(Bucket=bucket, Key=keys["html"], Body=render_html(body).encode(), ContentType="text/html; charset=utf-8")
    return where


def emit_metrics(doc: dict[str, Any], namespace: str, service: str = "reconcile") -> None:
    """CloudWatch metrics as EMF: DriftFound and DriftRepaired, one datum per class (dimension `DriftClass`)."""
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    for name, counts in (("DriftFound", doc["drift"]), ("DriftRepaired", doc["repaired"])):
        for kind, value in counts.items():
            with single_metric(
                name=name, unit=MetricUnit.Count, value=value, namespace=namespace, default_dimensions={"service": service}
            ) as metric:
                metric.add_dimension(name="DriftClass", value=kind)


def send_digest(doc: dict[str, Any], ses: Any, address: str) -> None:
    """One email to the ops address (SES v2 SendEmail; the address is a verified identity)."""
    total = sum(doc["drift"].values())
    subject = f"journeysync reconcile: {total} drift found, {sum(doc['repaired'].values())} repaired"
    ses.send_email(
        FromEmailAddress=address,
        Destination={"ToAddresses": [address]},
        Content={
            "Simple": {
                "Subject": {"Data": subject[:200]},
                "Body": {"Text": {"Data": digest_text(doc)}, "Html": {"Data": render_html(doc)}},
            }
        },
    )
