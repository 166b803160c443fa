"""The catalogue part of ``Services``: searching, forking, feedback. Every interface (the
"Catalogue" page, the chat page's thumbs, ``atelier catalogue`` and ``atelier agent fork``)
calls these, so they agree by construction."""

from __future__ import annotations

from agents.i18n import t
from store.agent_catalogue import SEARCH_LIMIT, Card, Facets, Filters, Fork
from store.catalogue_index import FeedbackRecord, Lineage
from store.workspace import Workspace


class CatalogueServices:
    """Mixed into ``Services`` (a dataclass that provides ``workspace``)."""

    workspace: Workspace

    def catalogue_search(
        self,
        text: str = "",
        filters: Filters | None = None,
        sort: str = "popularity",
        limit: int = SEARCH_LIMIT,
    ) -> list[Card]:
        return self.workspace.catalogue.search(text, filters, sort, limit)

    def catalogue_facets(self) -> Facets:
        return self.workspace.catalogue.facets()

    def fork_agent(self, ref: str, name: str | None = None, lang: str | None = None) -> Fork:
        """A copy of the version of ``ref`` the person gets, in their own agents, with its
        lineage; ``Fork.dropped_bases`` names the knowledge bases left out."""
        agent = self.workspace.resolve_agent(ref)
        version = self.workspace.get_version(agent.id)
        message = t("catalogue.copied_from", lang, name=agent.name, version=version.number)
        return self.workspace.catalogue.fork(agent.id, name, message)

    def lineage(self, ref: str) -> Lineage | None:
        return self.workspace.catalogue.lineage(self.workspace.resolve_agent(ref).id)

    def give_feedback(
        self, agent_id: str, thread: str, rating: str, comment: str = "", exchange: str = ""
    ) -> FeedbackRecord:
        from builder_ui.services.privacy import hidden_again

        # The agent's creator reads the exchange: the personal data pseudonymised in the
        # conversation stays hidden from them too.
        exchange = hidden_again(self.workspace, thread, exchange)
        comment = hidden_again(self.workspace, thread, comment)
        return self.workspace.feedback.give(agent_id, thread, rating, comment, exchange)

    def agent_feedback(self, ref: str) -> list[FeedbackRecord]:
        return self.workspace.feedback.on_agent(self.workspace.resolve_agent(ref).id)
