"""journey_sweep: the scheduled, time-driven journey moves (renewal due, lapsed) and membership expiry."""
