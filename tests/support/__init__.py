"""What several test folders share (no tests, no fixtures: those are in the conftest.py files); what the benchmarks
share with the tests is in `harness/`. One module per kind of helper:

- `paths`: the checkout's root and the committed fixtures.
- `emulator_defaults`: the settings every test's emulator starts from.
- `emulator_journal`: reading the emulator's journal and store (calls made and applied, acting when a call shows).
- `provider_server`: driving the real gRPC provider server as the engine does (`Engine`, `private_engine`,
  `StderrMark`, the test cluster `small_cluster`, `provider_config`).
- `backends`: where the shared scenarios run (the emulator or the real service) and how their calls are observed.
- `answer_keeping_sdk`: the official SDK client, keeping each answer as it arrived.
- `recorded_answers`: answers of the real service, recorded and redacted.
- `documented_shape`: the documented shape of the Get/List answers and the checks against it.
- `invalid_specs`: a corpus of invalid inputs, each with the one property path that must be reported.
- `strategies`: Hypothesis strategies for declared clusters and live answers that mean the same.
- `in_memory_api`: `InMemoryClusterApi` and `VirtualClock`, for the lifecycle in-process.
- `scripted_http_api`: `ScriptedHttpApi`, an HTTP server answering from a script (malformed answers).
- `program_under_mocks`: the real `__main__.py` under `pulumi.runtime.set_mocks` (only the engine mocked).
- `installed_wheel`: the built wheel installed into a scratch venv.
"""
