"""Which hosts a page may link to or show images from: the administrator's egress allowlist.

Untrusted text (model answers, tool output, what a spec carries) is drawn inert
(``builder_ui.web.models.inert``); a link or an image in it stays live only for a host listed
here. An empty allowlist lets tools reach every public host, but lets a page show nothing live:
a page that fetches whatever an answer names would send the conversation out.
"""

from __future__ import annotations

from dataclasses import dataclass

from agents.errors import AtelierError
from tools.egress.addresses import matches, normal_pattern


@dataclass(frozen=True)
class ShownHosts:
    """Hosts listed in the allowlist and not in the deny list (a deny entry wins)."""

    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()

    def permits(self, host: str) -> bool:
        try:
            name = normal_pattern(host)
        except ValueError:
            return False
        if "/" in name:  # an address: compared as one, not as a network
            name = name.split("/", 1)[0]
        if any(matches(name, pattern) for pattern in self.deny):
            return False
        return any(matches(name, pattern) for pattern in self.allow)


def shown_hosts() -> ShownHosts:
    """The saved admin settings' allowlist; nothing when they cannot be read."""
    from store.admin_settings import saved_admin_settings

    try:
        egress = saved_admin_settings().egress
    except (AtelierError, OSError, ValueError):  # unreadable settings: text is still drawn
        return ShownHosts()
    return ShownHosts(tuple(egress.allow_hosts), tuple(egress.deny_hosts))
