"""Strategy files: the model of a strategy, its checker, and (later) matching."""
