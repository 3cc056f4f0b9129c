"""Test-only support (hypothesis strategies); what the benchmarks share with the tests is in `harness/`."""
