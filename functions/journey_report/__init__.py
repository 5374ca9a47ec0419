"""journey_report: the weekly journey analytics report, written to the archive bucket under reports/."""
