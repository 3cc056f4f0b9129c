"""What both the tests and the benchmarks drive the system with (test code of its own, no assertions).

- `harness.engine`: plays the Pulumi engine against the SDK's dynamic-provider gRPC server
  (`python -u -m pulumi.dynamic`), marshalling properties as the engine does.
- `harness.emulator`: starts and controls emulator processes (free ports, private databases).
- `harness.toy_provider`: tiny dynamic providers for testing the engine harness and for overhead baselines.
- `harness.waiting`: waiting for a condition that sends no notification, with a deadline that only bounds a failure.

Run from the project root (pytest's `pythonpath = ["."]`, `python -m bench.run`), so the checkout's code runs.
"""
