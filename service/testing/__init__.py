"""Test tools: espeak-ng speech, synthesized two-party calls, protocol clients.

Tests, scripts, benchmarks and the demo build their calls and talk to a server
with these; the product's runtime modules never import this package, so a
deployment does not depend on espeak-ng or on client code.
"""
