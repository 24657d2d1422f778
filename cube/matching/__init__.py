"""Matching: all active strategies in one Spark pass into work orders (docs/matching.md)."""
