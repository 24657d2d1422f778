"""Data-quality gates (GX Core on Spark): raw inputs before the tag build, tags after it.

Import from `cube.quality.gate`; this package root stays import-light so the CLI
can load without Great Expectations until a gate actually runs.
"""
