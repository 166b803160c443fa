"""``atelier kb set-class BASE CLASS``: the owner changes the class of data a base holds
(public, internal, sensitive); raising it is refused while an agent that searches the base has
a model that may not receive it (``builder_ui.services.data_routing``)."""

from __future__ import annotations

from typing import Annotated

import typer

from agents.i18n import t
from builder_ui.cli.common import open_services, say


def set_class(
    kb: Annotated[str, typer.Argument(metavar="BASE", help=t("cli.help.kb_ref"))],
    data_class: Annotated[str, typer.Argument(metavar="CLASS", help=t("cli.kb.class_help"))],
) -> None:
    services = open_services()
    try:
        changed = services.set_kb_class(kb, data_class)
    finally:
        import sys

        service = sys.modules.get("store.knowledge.service")
        if service is not None:
            service.close_knowledge_stores()
    say(t("cli.kb.class_set", name=changed.name, data_class=t(f"data.class.{data_class}")))
