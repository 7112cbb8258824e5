"""`coach`: the command line.

Each sub-command lives beside the code it drives and registers itself here
through a ``register(subparsers)`` function, so this file only lists them.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from . import __version__

# module path -> registers one or more sub-commands
COMMAND_MODULES = (
    "service.replay.command",  # coach replay
    "service.evaluation.command",  # coach eval
    "service.ingress.command",  # coach serve
    "service.demo",  # coach demo
    "service.archive.command",  # coach archive
    "service.links.command",  # coach display-link
    "service.links.passwords",  # coach broker-passwords
    "service.asr.models_command",  # coach models
)

NOISY_LOGGERS = ("transitions", "amqtt", "websockets.server", "faster_whisper")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coach", description="Real-time coaching for contact-centre calls.")
    parser.add_argument("--version", action="version", version=f"callcoach {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a real missing dependency inside the module
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in NOISY_LOGGERS:  # third-party chatter that drowns the service's own log
        logging.getLogger(noisy).setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
