"""Display links: signed URLs that let one agent's display log in to the broker for a while.

``mint_display_link`` makes one (``mint_supervisor_link`` one for a team's supervisor view,
``coach supervisor-link``) (``coach display-link``, ``GET /display-link``);
the token format and its check at the broker are in ``service.egress.tokens``
and ``service.egress.access``. Why a package of its own: handing out links is
an operator's and a desktop integration's job, apart from publishing.
"""

from .mint import DisplayLink, LinkError, display_password, mint_display_link, mint_supervisor_link

__all__ = ["DisplayLink", "LinkError", "display_password", "mint_display_link", "mint_supervisor_link"]
