"""Prefect flows of the cycle: tags, match, evaluation, and the cycle composing them.

The engine does the work; flows sequence it, retry transient failures (flows.retry),
publish artifacts (flows.artifacts), and are deployed with schedules by
flows.deployments (`cube flows serve`). See docs/operations.md.
"""
