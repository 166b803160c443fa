"""The sharing matrix (issue 10, item 7): an agent and a knowledge base, each private or shared
with a person, a team or the whole organisation, to use or to edit, reached by each role, on a
real SQLite catalogue and a real knowledge store.

The rules (``store.access``): whoever is not reached finds nothing, worded like a missing
thing; who may use an agent gets its published version and nothing else; who may edit it (a
builder) gets its draft and every version and saves new ones; only the owner shares or deletes.
A base shared to use is searched, never listed; shared to edit, its documents are open.
The organisation is reached only to use: publishing there is a reviewer's (``Shares``
refuses it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from people import enrol

from agents.errors import NotFound, Refused, UserError
from agents.spec import AgentSpec, KnowledgeSettings
from builder_ui.services.installation import Installation
from store.accounts import Role
from store.database import utc_now
from store.knowledge.service import close_knowledge_stores
from store.sharing import ORGANISATION, Grant
from store.workspace import Workspace

OWNER = "olga@example.fr"
OUTSIDER = "oscar@example.fr"  # a creator nothing is shared with
ROLES: tuple[Role, ...] = ("creator", "user", "reviewer", "admin")
FAQ = b"# Conges\n\nToute demande de conge se fait dans l'outil RH quinze jours avant.\n"
SCOPES = [
    ("private", None),
    ("person", "use"),
    ("person", "edit"),
    ("team", "use"),
    ("team", "edit"),
    ("organisation", "use"),
]


def login(role: Role) -> str:
    return f"{role}@example.fr"


@dataclass(frozen=True)
class World:
    installation: Installation
    agent_id: str
    kb_id: str
    doc_id: str


@pytest.fixture
def installation(monkeypatch: pytest.MonkeyPatch) -> Iterator[Installation]:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    installation = Installation.open()
    yield installation
    close_knowledge_stores()


def build(installation: Installation, scope: str, permission: str | None) -> World:
    catalogue = installation._catalogue
    enrol(catalogue, OWNER, OUTSIDER)
    for role in ROLES:
        enrol(catalogue, login(role), role=role)
    admin = Workspace(login("admin"), catalogue).people
    team = admin.add_team("Communication")
    for role in ROLES:
        admin.add_member(team.id, login(role))
    olga = Workspace(OWNER, catalogue)
    kb = olga.create_kb("Procédures RH")
    docs = olga.add_documents(kb.id, [("conges.md", FAQ)])
    assert [d.status for d in olga.wait_for_documents(kb.id, [docs[0].id], 60)] == ["ready"]
    knowledge = KnowledgeSettings(bases=["procedures-rh"])
    first = olga.create_agent(AgentSpec(name="Rédacteur", instructions="v1", knowledge=knowledge))
    olga.sharing.publish(first.agent_id)
    olga.save_agent(
        first.agent_id, AgentSpec(name="Rédacteur", instructions="v2", knowledge=knowledge)
    )
    if scope == "person":
        assert permission is not None
        for role in ROLES:
            olga.sharing.share_agent(first.agent_id, f"user:{login(role)}", permission)
            olga.sharing.share_kb(kb.id, f"user:{login(role)}", permission)
    elif scope == "team":
        assert permission is not None
        olga.sharing.share_agent(first.agent_id, "team:Communication", permission)
        olga.sharing.share_kb(kb.id, "team:communication", permission)
    elif scope == "organisation":  # what a reviewer's approval writes
        for kind, ref in (("agent", first.agent_id), ("kb", kb.id)):
            catalogue.set_grant(
                Grant(kind, ref, "organisation", ORGANISATION, "use", OWNER, utc_now())  # type: ignore[arg-type]
            )
    return World(installation, first.agent_id, kb.id, docs[0].id)


def outcome(call: object) -> str:
    try:
        call()  # type: ignore[operator]
    except NotFound:
        return "not found"
    except Refused:
        return "refused"
    return "allowed"


@pytest.mark.parametrize(("scope", "permission"), SCOPES)
def test_the_sharing_matrix(installation: Installation, scope: str, permission: str | None) -> None:
    world = build(installation, scope, permission)
    catalogue = installation._catalogue
    wrong: list[str] = []

    def expect(who: str, what: str, got: str, wanted: str) -> None:
        if got != wanted:
            wrong.append(f"{scope}/{permission} {who}: {what}: expected {wanted}, got {got}")

    for role in ROLES:
        ws = Workspace(login(role), catalogue)
        shared = scope != "private"
        edits = shared and permission == "edit" and role != "user"
        reach = "allowed" if shared else "not found"
        only_owner = "refused" if shared else "not found"
        # the agent
        listed = {o.agent.id: o.access for o in ws.open_agents()}
        expect(
            role,
            "listed",
            str(listed.get(world.agent_id)),
            "edit" if edits else "use" if shared else "None",
        )
        expect(role, "get_agent", outcome(lambda: ws.get_agent(world.agent_id)), reach)
        if shared:
            stored = catalogue.get_agent(world.agent_id)
            given = stored.latest_version if edits else stored.published_version
            got = ws.get_version(world.agent_id).spec.instructions
            wanted = catalogue.get_version(world.agent_id, given).spec.instructions
            expect(role, "version given", got, wanted)
            versions = [v.number for v in ws.list_versions(world.agent_id)]
            every = list(range(stored.latest_version, 0, -1))
            expect(role, "versions", str(versions), str(every if edits else [given]))
            expect(
                role,
                "draft by number",
                outcome(lambda: ws.get_version(world.agent_id, 2)),
                "allowed" if edits else "not found",
            )
        new = AgentSpec(
            name="Rédacteur",
            instructions=f"par {role}",
            knowledge=KnowledgeSettings(bases=["procedures-rh"]),
        )
        save = outcome(lambda: ws.save_agent(world.agent_id, new))
        expect(
            role,
            "save",
            save,
            "allowed" if edits else "refused" if role == "user" or shared else "not found",
        )
        expect(
            role,
            "publish",
            outcome(lambda: ws.sharing.publish(world.agent_id)),
            "allowed" if edits else "refused" if shared else "not found",
        )
        expect(
            role,
            "start a conversation",
            outcome(lambda: ws.start_thread(world.agent_id, "Bonjour")),
            reach,
        )
        expect(
            role,
            "share",
            outcome(lambda: ws.sharing.share_agent(world.agent_id, f"user:{OUTSIDER}", "use")),
            only_owner,
        )
        expect(role, "delete", outcome(lambda: ws.delete_agent(world.agent_id)), only_owner)
        # its knowledge, through the agent: passages, never the documents
        passages = outcome(lambda: ws.search_agent_bases(world.agent_id, "conge"))
        expect(role, "answers from the agent's base", passages, reach)
        # the base itself
        kb_edits = edits
        kb_listed = world.kb_id in {k.id for k in ws.list_kbs()}
        expect(role, "base listed", str(kb_listed), str(shared))
        expect(role, "search the base", outcome(lambda: ws.search([world.kb_id], "conge")), reach)
        expect(
            role,
            "list its documents",
            outcome(lambda: ws.list_documents(world.kb_id)),
            "allowed" if kb_edits else only_owner,
        )
        expect(
            role,
            "open a document",
            outcome(lambda: ws.document_passages(world.kb_id, world.doc_id)),
            "allowed" if kb_edits else only_owner,
        )
        add = outcome(lambda: ws.add_documents(world.kb_id, [("ajout.md", FAQ)]))
        expect(
            role,
            "add documents",
            add,
            "allowed" if kb_edits else "refused" if role == "user" or shared else "not found",
        )
        expect(role, "delete the base", outcome(lambda: ws.delete_kb(world.kb_id)), only_owner)
        expect(
            role,
            "share the base",
            outcome(lambda: ws.sharing.share_kb(world.kb_id, f"user:{OUTSIDER}", "use")),
            only_owner,
        )

    outsider = Workspace(OUTSIDER, catalogue)
    if scope != "organisation":
        assert world.agent_id not in {o.agent.id for o in outsider.open_agents()}
        assert outcome(lambda: outsider.get_agent(world.agent_id)) == "not found"
        assert outcome(lambda: outsider.search_agent_bases(world.agent_id, "q")) == "not found"
    assert wrong == [], "\n".join(wrong)


def test_the_organisation_is_reached_only_through_review(installation: Installation) -> None:
    world = build(installation, "private", None)
    olga = Workspace(OWNER, installation._catalogue)
    for grantee in ("organisation", "*"):
        with pytest.raises(UserError) as refused:
            olga.sharing.share_agent(world.agent_id, grantee, "use")
        assert refused.value.key == "share.organisation_by_review"


def test_an_agent_shared_before_any_publication_gives_its_latest_version(
    installation: Installation,
) -> None:
    catalogue = installation._catalogue
    enrol(catalogue, OWNER)
    enrol(catalogue, "ursula@example.fr", role="user")
    olga = Workspace(OWNER, catalogue)
    first = olga.create_agent(AgentSpec(name="Accueil", instructions="v1"))
    olga.save_agent(first.agent_id, AgentSpec(name="Accueil", instructions="v2"))
    ursula = Workspace("ursula@example.fr", catalogue)
    assert outcome(lambda: ursula.get_agent(first.agent_id)) == "not found"
    olga.sharing.share_agent(first.agent_id, "user:Ursula@Example.fr", "use")
    assert ursula.get_version(first.agent_id).spec.instructions == "v2"
    olga.save_agent(first.agent_id, AgentSpec(name="Accueil", instructions="v3"))
    assert ursula.get_version(first.agent_id).spec.instructions == "v2"  # the draft is hers
    olga.sharing.publish(first.agent_id)
    assert ursula.get_version(first.agent_id).spec.instructions == "v3"
    olga.sharing.unshare_agent(first.agent_id, "user:ursula@example.fr")
    assert outcome(lambda: ursula.get_agent(first.agent_id)) == "not found"


def test_an_editor_cannot_reach_another_base_of_the_owner(installation: Installation) -> None:
    """Someone who may edit an agent keeps its bases and adds their own: never another
    private base of its owner's, by naming it in the spec."""
    catalogue = installation._catalogue
    enrol(catalogue, OWNER, "carl@example.fr")
    olga = Workspace(OWNER, catalogue)
    olga.create_kb("Procédures RH")
    olga.create_kb("Salaires")
    knowledge = KnowledgeSettings(bases=["procedures-rh"])
    first = olga.create_agent(AgentSpec(name="RH", knowledge=knowledge))
    olga.sharing.share_agent(first.agent_id, "user:carl@example.fr", "edit")
    carl = Workspace("carl@example.fr", catalogue)
    sneaky = AgentSpec(name="RH", knowledge=KnowledgeSettings(bases=["procedures-rh", "salaires"]))
    with pytest.raises(NotFound):
        carl.save_agent(first.agent_id, sneaky)
    with pytest.raises(NotFound):
        carl.search_agent_bases(first.agent_id, "salaire", spec=sneaky)
    carl.create_kb("Notes de Carl")  # his own is his to add... but the owner does not reach it
    with pytest.raises(NotFound):
        carl.save_agent(
            first.agent_id,
            AgentSpec(name="RH", knowledge=KnowledgeSettings(bases=["notes-de-carl"])),
        )
    carl.save_agent(first.agent_id, AgentSpec(name="RH v2", knowledge=knowledge))
    assert olga.get_version(first.agent_id).spec.name == "RH v2"
