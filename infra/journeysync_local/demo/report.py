"""The demo's HTML report: one self-contained file (inline CSS, CSS bars), readable offline."""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path

from journeysync_local.demo.play import Summary

_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#1b1b1b;line-height:1.4}
h1{font-size:1.6rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%}td,th{padding:.3rem .5rem;border-bottom:1px solid #eee;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums;width:6rem}.bar{background:#2f6f9f;height:.8rem;display:inline-block}
.ok{color:#17692c;font-weight:600}.bad{color:#a01818;font-weight:600}.tiles{display:flex;flex-wrap:wrap;gap:1rem}
.tile{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem;min-width:9rem}.tile b{display:block;font-size:1.4rem}
"""


def _tile(label: str, value: object, good: bool | None = None) -> str:
    cls = "" if good is None else (" class='ok'" if good else " class='bad'")
    return f"<div class='tile'><b{cls}>{html.escape(str(value))}</b>{html.escape(label)}</div>"


def _bars(title: str, counts: Mapping[str, int]) -> str:
    if not counts:
        return f"<h2>{html.escape(title)}</h2><p>none</p>"
    top = max(counts.values()) or 1
    rows = "".join(
        f"<tr><td>{html.escape(str(k))}</td><td class='n'>{v}</td>"
        f"<td><span class='bar' style='width:{int(300 * v / top)}px'></span></td></tr>"
        for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    )
    return f"<h2>{html.escape(title)}</h2><table>{rows}</table>"


def render(summary: Summary) -> str:
    j = summary.to_json()
    tiles = "".join(
        [
            _tile("webhooks accepted", summary.accepted),
            _tile("webhooks rejected", summary.rejected),
            _tile("profiles", summary.profiles),
            _tile("merges", summary.merges),
            _tile("can book online", summary.can_book_online),
            _tile("dead-lettered", sum(summary.dead_lettered.values()), sum(summary.dead_lettered.values()) == 0),
            _tile("lost", summary.lost, summary.lost == 0),
            _tile("p50 webhook → last effect", f"{summary.latency_p50_ms:.0f} ms"),
            _tile("p95 webhook → last effect", f"{summary.latency_p95_ms:.0f} ms"),
        ]
    )
    vendors = {f"{v} {status}": n for v, c in summary.by_vendor.items() for status, n in c.items()}
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in summary.notes)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>journeysync demo — a day at the Riverside Museum</title>"
        f"<style>{_CSS}</style></head><body>"
        "<h1>A day at the Riverside Museum, through journeysync</h1>"
        f"<p>{summary.members} members, {summary.webhooks_sent} signed vendor webhooks over HTTP "
        f"(duplicates, retries, out-of-order deliveries and forgeries included), played in {summary.wall_seconds:.1f} s.</p>"
        f"<div class='tiles'>{tiles}</div>"
        + _bars("Webhooks by vendor and answer", vendors)
        + _bars("Membership status", dict(summary.memberships))
        + _bars("Journey stages", dict(summary.journey_stages))
        + _bars("Email consent", dict(summary.consent))
        + _bars("SES topic opt-ins", dict(summary.ses_topic_optins))
        + _bars("Dead-letter queues", summary.dead_lettered)
        + (f"<h2>Notes</h2><ul>{notes}</ul>" if notes else "")
        + f"<h2>Raw summary</h2><pre>{html.escape(str(j))}</pre></body></html>"
    )


def write_report(summary: Summary, path: Path) -> Path:
    path.write_text(render(summary), encoding="utf-8")
    return path
