"""Benchmarks behind `make bench`: long measurements that never run in `make test`."""
