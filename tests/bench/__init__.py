"""Benchmarks (run by hand, reported in docs/performance.md); only their smoke tests run with the test suite."""
