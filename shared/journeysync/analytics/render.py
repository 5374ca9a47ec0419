"""The journey report as one static, self-contained HTML file: inline CSS, charts as inline SVG.

Charts are drawn by pygal (pure Python, SVG out, ~2 MB installed — see the README for why not
matplotlib or plotly) with its external tooltip script turned off (`js=[]`), so the file
needs no network to view and renders the same in a browser, a mail client or a screenshot.
pygal is imported inside `render_html` only: the other functions sharing the layer never
pay for it at cold start.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

from journeysync.analytics.model import JourneyReport

SECTIONS: tuple[tuple[str, str], ...] = (
    ("funnel", "Journeys: members per stage and median time in stage"),
    ("stalled", "Stalled beyond the SLA of an organisation-owned stage"),
    ("no-journey", "Members in no journey"),
    ("abandonment", "Abandonment by stage"),
    ("hotspots", "Detractor hotspots by stage and touchpoint"),
    ("overlap", "Overlap between divisions' lists"),
    ("freshness", "Sync freshness: vendor event → destination"),
    ("work", "Work items: created, claimed within SLA, resolved, by team"),
)

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem auto;max-width:64rem;color:#1b1b1b;line-height:1.4;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2.2rem;border-bottom:2px solid #2f6f9f;padding-bottom:.2rem}
h3{font-size:1rem;margin:1.2rem 0 .3rem}p.meta{color:#555;margin-top:0}
table{border-collapse:collapse;margin:.4rem 0 1rem}td,th{padding:.25rem .6rem;border-bottom:1px solid #e4e4e4;text-align:left;font-size:.9rem}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.tiles{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}.tile{border:1px solid #ddd;border-radius:6px;padding:.5rem .9rem;min-width:8rem}
.tile b{display:block;font-size:1.4rem}.bad{color:#a01818}.note{color:#555;font-size:.85rem}
figure{margin:.3rem 0}figure svg{max-width:100%;height:auto}.pair{display:flex;flex-wrap:wrap;gap:1rem}.pair figure{flex:1 1 28rem}
"""


def _e(value: object) -> str:
    return html.escape(str(value))


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]], numeric: Sequence[int] = ()) -> str:
    head = "".join(f"<th{' class=n' if i in numeric else ''}>{_e(h)}</th>" for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f"<td{' class=n' if i in numeric else ''}>{_e(c)}</td>" for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body or '<tr><td>none</td></tr>'}</tbody></table>"


def _hours(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value / 24:.1f} d" if value >= 48 else f"{value:.1f} h"


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 3600:
        return f"{value / 3600:.1f} h"
    return f"{value:.1f} s" if value >= 1 else f"{value * 1000:.0f} ms"


class _Charts:
    """The pygal calls, in one place (pygal is imported here, lazily)."""

    def __init__(self) -> None:
        import pygal  # type: ignore[import-untyped]
        from pygal.style import Style  # type: ignore[import-untyped]

        self.pygal: Any = pygal
        self.style: Any = Style(
            background="white",
            plot_background="white",
            foreground="#1b1b1b",
            foreground_strong="#1b1b1b",
            foreground_subtle="#777",
            colors=("#2f6f9f", "#e07b39", "#3a9d5d", "#a01818", "#7a5195", "#8c8c8c"),
            font_family="system-ui, sans-serif",
            title_font_size=16,
            label_font_size=12,
            major_label_font_size=12,
            legend_font_size=12,
            value_font_size=11,
        )

    def _config(self, title: str, width: int, height: int) -> dict[str, Any]:
        return {
            "title": title,
            "width": width,
            "height": height,
            "style": self.style,
            "js": [],  # no external tooltip script: the file must view offline
            "disable_xml_declaration": True,
            "print_values": True,
            "legend_at_bottom": True,
            "truncate_label": 40,
            "no_data_text": "none",
        }

    def bars(
        self,
        title: str,
        labels: Sequence[str],
        series: Sequence[tuple[str, Sequence[float | None]]],
        *,
        horizontal: bool = True,
        width: int = 900,
        height: int | None = None,
        formatter: Any = None,
    ) -> str:
        kind = self.pygal.HorizontalBar if horizontal else self.pygal.Bar
        config = self._config(title, width, height or max(220, 60 + 34 * len(labels) * max(1, len(series))))
        if formatter is not None:
            config["value_formatter"] = formatter
        chart = kind(**config)
        # pygal draws a horizontal chart's first label at the bottom: reverse so stage order reads top-down
        chart.x_labels = list(reversed(labels)) if horizontal else list(labels)
        for name, values in series:
            chart.add(name, list(reversed(values)) if horizontal else list(values))
        return self._figure(chart, width)

    def pie(self, title: str, parts: dict[str, int], width: int = 440, height: int = 300) -> str:
        chart = self.pygal.Pie(**{**self._config(title, width, height), "inner_radius": 0.45})
        for name, value in parts.items():
            chart.add(name, value)
        return self._figure(chart, width)

    @staticmethod
    def _figure(chart: Any, width: int) -> str:
        return f"<figure style='max-width:{width}px'>{chart.render(is_unicode=True)}</figure>"


def _funnel(report: JourneyReport, charts: _Charts) -> str:
    out = []
    for j in report.journeys:
        labels = [s.stage for s in j.stages]
        out.append(f"<h3>{_e(j.journey)} — {j.members} members</h3><p class=note>{_e(j.description)}</p>")
        funnel = charts.bars(
            f"{j.journey}: members per stage",
            labels,
            [("reached", [s.reached for s in j.stages]), ("in it now", [s.current for s in j.stages])],
            width=620,
        )
        median = charts.bars(
            f"{j.journey}: median time in stage (hours)",
            labels,
            [
                ("ended visits", [s.median_hours for s in j.stages]),
                ("in it now, so far", [s.median_hours_so_far for s in j.stages]),
            ],
            width=620,
            formatter=lambda v: f"{v:.1f}",
        )
        out.append(f"<div class=pair>{funnel}{median}</div>")
        out.append(
            _table(
                ["stage", "owner", "reached", "in it now", "median time in stage", "median so far"],
                [
                    (
                        s.stage + (" (outcome)" if s.outcome else ""),
                        s.owner,
                        s.reached,
                        s.current,
                        _hours(s.median_hours),
                        _hours(s.median_hours_so_far),
                    )
                    for s in j.stages
                ],
                numeric=(2, 3, 4, 5),
            )
        )
    return "".join(out)


def _stalled(report: JourneyReport, charts: _Charts) -> str:
    teams = report.stalled_by_team
    chart = charts.bars("stalled members by owning team", list(teams), [("stalled", list(teams.values()))])
    rows = [
        (s.customer_id, s.journey, s.stage, s.team or "-", s.sla_due_at.strftime("%Y-%m-%d %H:%M"), _hours(s.overdue_hours))
        for s in report.stalled[:50]
    ]
    more = f"<p class=note>…and {len(report.stalled) - 50} more (see --json).</p>" if len(report.stalled) > 50 else ""
    return (
        f"<p><b class={'bad' if report.stalled else ''}>{len(report.stalled)}</b> members are past the SLA of a stage "
        "the organisation owns (look one up with <code>journeysync profile get --id</code>).</p>"
        + chart
        + _table(["customer", "journey", "stage", "team", "SLA due", "overdue"], rows, numeric=(5,))
        + more
    )


def _no_journey(report: JourneyReport, charts: _Charts) -> str:
    share = f"{100 * report.no_journey / report.customers:.0f}%" if report.customers else "-"
    return (
        f"<p><b>{report.no_journey}</b> of {report.customers} customers ({share}) are in no journey.</p>"
        + charts.pie("members in no journey, by membership status", report.no_journey_by_membership)
    )


def _abandonment(report: JourneyReport, charts: _Charts) -> str:
    labels = [f"{a.journey} · {a.stage}" for a in report.abandoned]
    return (
        f"<p class=note>A member-owned stage that is not an outcome, with no move for {report.abandon_after_days} days "
        "or more: the member left the journey before its outcome.</p>"
        + charts.bars("members who left before the outcome, by stage", labels, [("abandoned", [a.count for a in report.abandoned])])
        + _table(["journey", "stage", "members"], [(a.journey, a.stage, a.count) for a in report.abandoned], numeric=(2,))
    )


def _hotspots(report: JourneyReport, charts: _Charts) -> str:
    hot = [h for h in report.hotspots if h.detractors][:12]
    labels = [f"{h.journey} · {h.stage} · {h.touchpoint}" for h in hot]
    return (
        "<p class=note>Each rating is placed at the stage the member was in just before it, per journey.</p>"
        + charts.bars(
            "detractor ratings by journey stage and touchpoint",
            labels,
            [("detractors", [h.detractors for h in hot]), ("all ratings", [h.ratings for h in hot])],
        )
        + _table(
            ["journey", "stage", "touchpoint", "detractors", "ratings", "share"],
            [
                (h.journey, h.stage, h.touchpoint, h.detractors, h.ratings, f"{100 * h.detractors / h.ratings:.0f}%")
                for h in report.hotspots[:30]
            ],
            numeric=(3, 4, 5),
        )
    )


def _overlap(report: JourneyReport, charts: _Charts) -> str:
    o = report.overlap
    top = max((v for i, row in enumerate(o.matrix) for j, v in enumerate(row) if i != j), default=0) or 1
    cells = []
    for i, row in enumerate(o.matrix):
        tds = []
        for j, v in enumerate(row):
            alpha = 0.0 if i == j else 0.15 + 0.75 * v / top if v else 0.0
            style = f" style='background:rgba(224,123,57,{alpha:.2f})'" if alpha else " style='background:#f2f2f2'" if i == j else ""
            tds.append(f"<td class=n{style}>{v}</td>")
        cells.append(f"<tr><th>{_e(o.lists[i])}</th>{''.join(tds)}</tr>")
    head = "".join(f"<th class=n>{_e(x)}</th>" for x in o.lists)
    matrix = f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{''.join(cells)}</tbody></table>" if o.lists else "<p>no division lists</p>"
    combos = o.combinations
    return (
        f"<p><b>{o.customers_on_several}</b> customers are on two or more divisions' lists "
        "(journeysync keeps one contact per person per destination; the lists are topics / tags on it). "
        "Cell: customers on both lists; diagonal: list size.</p>"
        + matrix
        + charts.bars("customers by combination of division lists", list(combos), [("customers", list(combos.values()))])
    )


def _freshness(report: JourneyReport, charts: _Charts) -> str:
    f = report.freshness
    labels = [x.destination for x in f]
    chart = charts.bars(
        "vendor event → destination updated (seconds)",
        labels,
        [("p50", [x.p50_seconds for x in f]), ("p95", [x.p95_seconds for x in f])],
        formatter=lambda v: _seconds(v),
    )
    return (
        chart
        + _table(
            ["destination", "contacts", "samples", "p50", "p95", "behind the profile"],
            [(x.destination, x.contacts, x.samples, _seconds(x.p50_seconds), _seconds(x.p95_seconds), x.behind) for x in f],
            numeric=(1, 2, 3, 4, 5),
        )
        + f"<p class=note>{_e(report.freshness_method)}</p>"
    )


def _work(report: JourneyReport, charts: _Charts) -> str:
    rows = []
    for k in report.work:
        for team, t in [("all teams", k.total), *k.by_team.items()]:
            rows.append((k.kind, team, t.created, t.claimed_within_sla, t.resolved, t.open,
                         _hours(t.median_hours_to_claim)))
    return _table(["kind", "team", "created", "claimed within SLA", "resolved / closed", "open",
                   "median time to claim"], rows, numeric=(2, 3, 4, 5, 6)) + (
        "<p class=note>stage_action: an organisation-owned journey stage was entered; low_rating: a detractor "
        "alert; abandoned: a started purchase that did not complete.</p>")


_BODIES = {
    "funnel": _funnel,
    "stalled": _stalled,
    "no-journey": _no_journey,
    "abandonment": _abandonment,
    "hotspots": _hotspots,
    "overlap": _overlap,
    "freshness": _freshness,
    "work": _work,
}


def _engagement_section(report: JourneyReport) -> str:
    from journeysync.analytics.engagement import render_section

    assert report.engagement is not None
    return render_section(report.engagement)


def render_html(report: JourneyReport, title: str = "journeysync — journey report") -> str:
    """One self-contained HTML document (no scripts or stylesheets from anywhere)."""
    charts = _Charts()
    tiles = "".join(
        f"<div class=tile><b>{_e(v)}</b>{_e(k)}</div>"
        for k, v in (
            ("customers", report.customers),
            ("stalled beyond SLA", len(report.stalled)),
            ("in no journey", report.no_journey),
            ("abandoned", sum(a.count for a in report.abandoned)),
            ("detractor ratings", report.detractor_ratings),
            ("on several division lists", report.overlap.customers_on_several),
        )
    )
    nav = " · ".join(f"<a href='#{sid}'>{_e(t.split(':')[0])}</a>" for sid, t in SECTIONS)
    sections = "".join(
        f"<section id='{sid}' data-section='{sid}'><h2>{_e(heading)}</h2>{_BODIES[sid](report, charts)}</section>"
        for sid, heading in SECTIONS
    )
    notes = "".join(f"<li>{_e(n)}</li>" for n in report.notes)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{_e(title)}</title>"
        f"<style>{_CSS}</style></head><body>"
        f"<h1>{_e(title)}</h1><p class=meta>generated {report.generated_at:%Y-%m-%d %H:%M} UTC · {nav}</p>"
        f"<div class=tiles>{tiles}</div>{sections}"
        + (_engagement_section(report) if report.engagement is not None else "")
        + (f"<h2>Notes</h2><ul>{notes}</ul>" if notes else "")
        + "</body></html>"
    )
