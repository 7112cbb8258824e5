"""Ingress: live calls in, over any transport a protocol of the registry uses.

``server`` (:class:`IngressServer`) owns the listeners and shared state;
``websocket`` and ``tcp`` are thin shells that carry bytes and map neutral
faults to each transport's way of closing; ``link`` drives one connection's
adapter; ``runner`` owns each call's lifecycle (one connection with both
parties, or two legs paired by call id); ``http`` answers the plain HTTP
endpoints. The protocols themselves live in :mod:`service.protocols`.
"""

from .settings import ServerSettings

__all__ = ["ServerSettings"]
