"""Survey dispatch: after a configured touchpoint and delay, one short email with one-tap rating links."""
