"""reconcile: nightly drift detection and repair (handler only; logic in journeysync.reconcile)."""
