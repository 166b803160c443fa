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


def set_privacy(
    allow: Annotated[
        list[str] | None,
        typer.Option("--pseudonymised-may-exceed", metavar="CLASS", help=t("cli.privacy.allow")),
    ] = None,
) -> None:
    """``atelier admin set-privacy``: the classes whose agents may use a model of a lower class
    once they pseudonymise personal data (none given: never)."""
    from agents.errors import UserError
    from agents.spec import DATA_CLASSES
    from builder_ui.cli.secret import _organisation, closing_secrets
    from store.admin_settings import PrivacySettings

    chosen = list(dict.fromkeys(allow or []))
    for value in chosen:
        if value not in DATA_CLASSES:
            raise UserError("data.unknown_class", value=value, known=", ".join(DATA_CLASSES))
    with closing_secrets():
        privacy = PrivacySettings.model_validate({"pseudonymised_may_exceed": chosen})
        _organisation().update(lambda s: s.model_copy(update={"privacy": privacy}))
    names = ", ".join(t(f"data.class.{c}") for c in chosen) or t("cli.privacy.never")
    say(t("cli.privacy.allowed", classes=names))
