"""callcoach: real-time coaching for contact-centre calls.

Sub-packages: ``core`` (sans-I/O call engine), ``asr`` (transcription),
``coaching`` (pure rules), ``ingress`` / ``egress`` (network edges),
``replay`` (files and reports), ``display`` (agent web page).
"""

__version__ = "0.1.0"
