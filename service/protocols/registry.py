"""The protocol registry: every module of this package that declares ``PROTOCOL``.

Adding a telephony protocol is one new module here (its adapter, settings,
authenticator and the name of its test client, declared once in a
:class:`~service.protocols.spec.Protocol`) plus its tests: the server's routes
and listeners, the ``[server] endpoints`` check, the credential rules and the
metrics labels all read this registry instead of string tables.
"""

from __future__ import annotations

import importlib
import pkgutil

from .spec import Protocol

__all__ = ["PROTOCOLS", "protocol"]


def _discover() -> dict[str, Protocol]:
    found: dict[str, Protocol] = {}
    package = importlib.import_module(__package__)
    for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__package__}.{module_info.name}")
        declared = getattr(module, "PROTOCOL", None)
        if isinstance(declared, Protocol):
            if declared.name in found:
                raise RuntimeError(f"protocol {declared.name!r} declared twice")
            found[declared.name] = declared
    return found


PROTOCOLS: dict[str, Protocol] = _discover()


def protocol(name: str) -> Protocol:
    """The declaration of ``name``; KeyError names the known ones."""
    try:
        return PROTOCOLS[name]
    except KeyError:
        raise KeyError(f"unknown protocol {name!r} (known: {', '.join(PROTOCOLS)})") from None
