"""The deployment tests stream the same synthesized calls as the ingress tests."""

from ingress.conftest import synth_calls  # noqa: F401 (a fixture, used by name)
