"""``coach broker-passwords``: Mosquitto's password file and ACL for the rotating display logins.

Why: Mosquitto without a plugin cannot check a link's token or its expiry, only
a password file. So display logins rotate instead (``broker_login``: one
username and derived password per identity and epoch of
``mqtt.broker_password_period_s``), and this command writes, from the config
alone, the password file and the ACL that admit the previous, current and next
epoch's logins of every agent and team of ``[mqtt.teams]``, plus the service
(its ``mqtt.username``/``password`` or the ``broker_url``'s) and ``qa``
(``mqtt.qa_password``) when configured. Run every epoch (or more often: the
output only changes when the epoch does) and reload Mosquitto (SIGHUP):
deploy/callcoach-broker-passwords.timer. A link carries its epoch's login and
expires when the epoch after next begins, when the run of that epoch drops it;
a leaked link then stops working too.

Why previous, current and next: a link minted late in its epoch still lives a
whole period (previous), and a link minted just after an epoch begins works
before the timer's run of that epoch (next).

Why the hashes are made here (Mosquitto's ``$7$`` PBKDF2-SHA512 format) and not
by ``mosquitto_passwd``: one run writes the whole file at once and replaces it
atomically (``mosquitto_passwd -b`` edits one user per call, in place), and
coach need not run where Mosquitto is installed. The iteration count is
``mosquitto_passwd``'s own: the derived passwords are 256 random bits, which
no count of iterations needs to slow down, and Mosquitto pays the count at
every CONNECT. Salts are derived from the secret and the username, so the
output is the same for the same epoch and settings: a run within an epoch
leaves the files as they are.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from service.config import ConfigError
from service.egress.access import identity_reads, qa_reads
from service.egress.settings import QA_USERNAME, MqttSettings
from service.egress.tokens import Identity, broker_epoch, broker_login
from service.settings import load_checked_config

from .mint import LinkError

__all__ = ["BrokerUser", "acl_text", "broker_users", "mosquitto_hash", "password_text", "register"]

# mosquitto_passwd's PBKDF2-SHA512 parameters ($7$ format): see the module docstring.
_ITERATIONS = 101
_SALT_BYTES = 12
_HASH_BYTES = 64
_SALT_LABEL = b"callcoach.mosquitto-salt.v1."
_EPOCHS_AROUND_NOW = (-1, 0, 1)  # previous, current and next: see the module docstring
_NEW_FILE_MODE = 0o640  # a new file: root writes it, Mosquitto's group reads it


@dataclass(frozen=True, slots=True)
class BrokerUser:
    """One login of the password file, with the topics the ACL lets it read and write."""

    username: str
    password: str = field(repr=False)
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()


def broker_users(settings: MqttSettings, now: float) -> list[BrokerUser]:
    """Every login the password file holds at ``now``; :class:`LinkError` when there is nothing to rotate."""
    period = settings.broker_password_period_s
    if not settings.link_secret:
        raise LinkError("no link secret: set [mqtt] link_secret (see config/mqtt.toml)")
    if settings.embedded:
        raise LinkError("mqtt.broker_url is empty: the embedded broker checks the links' tokens itself")
    if not period:
        raise LinkError("mqtt.broker_password_period_s is 0: display passwords do not rotate "
                        "(coach display-link AGENT --broker-password prints each one)")
    root, secret, epoch = settings.topic_root, settings.link_secret, broker_epoch(now, period)
    service = settings.broker()
    users = []
    if service.username and service.password:
        users.append(BrokerUser(service.username, service.password, writes=(f"{root}/#",)))
    if settings.qa_password:
        users.append(BrokerUser(QA_USERNAME, settings.qa_password, reads=qa_reads(root)))
    identities = [Identity("agent", agent) for agent in sorted({a for team in settings.teams for a in team.agents})]
    identities += [Identity("supervisor", "supervisor", name) for name in sorted(team.name for team in settings.teams)]
    for identity in identities:
        for offset in _EPOCHS_AROUND_NOW:
            login = broker_login(secret, identity, epoch + offset)
            users.append(BrokerUser(login.username, login.password, reads=identity_reads(settings, identity)))
    _check_usernames(users)
    return users


def _check_usernames(users: list[BrokerUser]) -> None:
    """A ``:`` ends the username in a password file line; Mosquitto trims the blanks around a name."""
    bad = sorted(user.username for user in users if ":" in user.username or user.username != user.username.strip())
    if bad:
        raise LinkError(f"these logins cannot be written to a Mosquitto password file (':' or blanks at an end): {bad}")


def mosquitto_hash(password: str, salt: bytes) -> str:
    """``password`` hashed as Mosquitto 2.0's password file stores it: ``$7$<iterations>$<salt>$<hash>``."""
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, _ITERATIONS, _HASH_BYTES)
    return f"$7${_ITERATIONS}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def password_text(users: list[BrokerUser], secret: str) -> str:
    """The password file (``password_file``), one ``username:hash`` line per login."""
    lines = []
    for user in users:
        salt = hmac.new(secret.encode(), _SALT_LABEL + user.username.encode(), hashlib.sha256).digest()[:_SALT_BYTES]
        lines.append(f"{user.username}:{mosquitto_hash(user.password, salt)}")
    return "\n".join(lines) + "\n"


def acl_text(users: list[BrokerUser]) -> str:
    """The ACL (``acl_file``): each login reads and writes only what the embedded broker would let it."""
    blocks = ["# Written by coach broker-passwords: every change here is lost at its next run."]
    for user in users:
        rules = [f"topic read {topic}" for topic in user.reads] + [f"topic write {topic}" for topic in user.writes]
        blocks.append("\n".join([f"user {user.username}", *rules]))
    return "\n\n".join(blocks) + "\n"


def _replace(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` atomically, keeping its mode and owner; False when it already held it."""
    if path.exists() and path.read_text() == text:
        return False
    old = path.stat() if path.exists() else None
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w") as out:
            out.write(text)
        os.chmod(temporary, old.st_mode & 0o7777 if old else _NEW_FILE_MODE)
        if old:
            os.chown(temporary, old.st_uid, old.st_gid)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("broker-passwords", help="write Mosquitto's password file and ACL for the rotating logins",
                       description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, metavar="FILE", help="the password file (Mosquitto's password_file)")
    p.add_argument("--acl", required=True, metavar="FILE", help="the ACL file (Mosquitto's acl_file)")
    p.add_argument("--config", metavar="FILE", help="TOML file overriding config/*.toml")
    p.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    try:
        settings = MqttSettings.from_config(load_checked_config(args.config)["mqtt"])
        users = broker_users(settings, time.time())
        changed = [str(path) for path, text in ((Path(args.out), password_text(users, settings.link_secret)),
                                                (Path(args.acl), acl_text(users))) if _replace(path, text)]
    except (ConfigError, LinkError, OSError) as exc:
        print(f"coach broker-passwords: {exc}", file=sys.stderr)
        return 2
    print(f"{len(users)} logins; {'wrote ' + ', '.join(changed) if changed else 'unchanged'}", file=sys.stderr)
    return 0
