"""``coach display-link AGENT``: print a signed link to agent AGENT's display.

For operators and scripts: the URL goes to stdout alone (the expiry to
stderr), so ``coach display-link A17`` can feed a kiosk, a QR code or an
e-mail. ``--broker-password`` prints instead the agent's password that never
expires, for an external broker's password file without rotation
(``mqtt.broker_password_period_s = 0``; with rotation ``coach
broker-passwords`` writes the file): see docs/egress.md, "With Mosquitto".

``coach supervisor-link TEAM`` prints a link to team TEAM's supervisor view
(/supervisor), for a supervisor (``--id``, default ``supervisor``).
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
from datetime import UTC, datetime

from service.config import ConfigError
from service.egress.settings import MqttSettings
from service.settings import load_checked_config

from .mint import DisplayLink, LinkError, display_password, mint_display_link, mint_supervisor_link

__all__ = ["register"]

_WILDCARD_HOSTS = ("", "0.0.0.0", "::")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("display-link", help="print a signed link to an agent's display",
                       description=__doc__.splitlines()[0])
    p.add_argument("agent", metavar="AGENT", help="the agent id, as the calls carry it")
    p.add_argument("--ttl", type=float, metavar="SECONDS", help="lifetime (default mqtt.link_ttl_s)")
    p.add_argument("--base-url", metavar="URL", default="",
                   help="coach serve as the browser reaches it (default mqtt.link_base_url, else server.host:port)")
    p.add_argument("--broker-password", action="store_true",
                   help="print instead the agent's password for an external broker's password file "
                        "without rotation (mqtt.broker_password_period_s = 0)")
    p.add_argument("--config", metavar="FILE", help="TOML file overriding config/*.toml")
    p.set_defaults(func=_main)
    s = sub.add_parser("supervisor-link", help="print a signed link to a team's supervisor view",
                       description="print a signed link to team TEAM's supervisor view (/supervisor)")
    s.add_argument("team", metavar="TEAM", help="the team, as in [mqtt.teams]")
    s.add_argument("--id", default="supervisor", metavar="NAME", help="the supervisor's own id (default supervisor)")
    s.add_argument("--ttl", type=float, metavar="SECONDS", help="lifetime (default mqtt.link_ttl_s)")
    s.add_argument("--base-url", metavar="URL", default="",
                   help="coach serve as the browser reaches it (default mqtt.link_base_url, else server.host:port)")
    s.add_argument("--config", metavar="FILE", help="TOML file overriding config/*.toml")
    s.set_defaults(func=_supervisor_main)


def _main(args: argparse.Namespace) -> int:
    try:
        config = load_checked_config(args.config)
        settings = MqttSettings.from_config(config["mqtt"])
        if args.broker_password:
            print(display_password(settings, args.agent))
            return 0
        link = mint_display_link(settings, args.agent, default_base_url=_server_url(config["server"]),
                                 now=time.time(), base_url=args.base_url, ttl_s=args.ttl)
    except (ConfigError, LinkError) as exc:
        print(f"coach display-link: {exc}", file=sys.stderr)
        return 2
    return _print_link(link)


def _supervisor_main(args: argparse.Namespace) -> int:
    try:
        config = load_checked_config(args.config)
        settings = MqttSettings.from_config(config["mqtt"])
        link = mint_supervisor_link(settings, args.team, default_base_url=_server_url(config["server"]),
                                    now=time.time(), supervisor_id=args.id, base_url=args.base_url, ttl_s=args.ttl)
    except (ConfigError, LinkError) as exc:
        print(f"coach supervisor-link: {exc}", file=sys.stderr)
        return 2
    return _print_link(link)


def _print_link(link: DisplayLink) -> int:
    """The link on stdout (for scripts), its expiry on stderr (for the person)."""
    print(link.url)
    print(f"valid until {datetime.fromtimestamp(link.expires_at, UTC):%Y-%m-%d %H:%M:%S} UTC", file=sys.stderr)
    return 0


def _server_url(server: dict) -> str:
    """``http://host:port`` of ``coach serve``; a wildcard bind is reached by this machine's name."""
    host = server["host"] if server["host"] not in _WILDCARD_HOSTS else socket.gethostname()
    return f"http://{f'[{host}]' if ':' in host else host}:{server['port']}"
