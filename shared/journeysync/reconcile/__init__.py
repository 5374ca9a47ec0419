"""Reconcile: scheduled drift detection and repair across the email destinations and the POS sources.

`run.reconcile` is the entry point; `diff` is the streaming comparison (pure), `destinations`
and `sources` read the live systems and repair through the live paths, `report` renders and
publishes what was found.
"""
