"""``knowledge_search``: the agent looks up its knowledge bases when it decides to.

The bases, top-k and minimum score come from the agent's ``knowledge`` settings, bound into the
retriever by the interface that runs the agent; the model only chooses the query.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from agents.errors import UserError
from agents.i18n import t
from tools.registry import Cited, NoConfig, ToolContext, ToolDefinition

TOOL_ID = "knowledge_search"
MODEL_DESCRIPTION = (
    "Cherche dans les bases de connaissances de l'agent les passages utiles pour répondre. "
    "Formule une requête courte avec les mots importants de la question. Cite les passages "
    "retournés par leur numéro, par exemple [1]."
)


class SearchArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str = Field(min_length=1, max_length=500, description="Ce qu'il faut chercher.")


def run(args: SearchArgs, config: NoConfig, context: ToolContext) -> Cited:
    if context.retriever is None:
        raise UserError("tool.knowledge_search.no_base")
    citations = context.retriever(args.query)
    passages = [
        {"document": c.document, "page": c.page, "text": c.passage, "score": round(c.score, 4)}
        for c in citations
    ]
    return Cited(value={"query": args.query, "passages": passages}, citations=citations)


DEFINITION = ToolDefinition(
    id=TOOL_ID,
    title=t("tool.knowledge_search.title", "fr"),
    description=MODEL_DESCRIPTION,
    args_model=SearchArgs,
    run=run,
    timeout_s=30.0,
    uses_context=True,
    tags=("knowledge",),
    effects=("reads_knowledge",),
)
