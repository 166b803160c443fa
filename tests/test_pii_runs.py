"""``guardrails.pii`` in a run (issue 11, item 2): with ``pseudonymise`` no text reaches the
model with the personal data in it (the person's message, passages, tool results), the checkpoint
keeps placeholders only, and the person reads the values back (streamed tokens, answer, tool
cards, approvals); tools act on the values. With ``block`` a message holding personal data is
refused before anything is sent. Under ``oversight: review`` a draft offers no tool with effects.
A fake detector (``pii_fakes.NamesDetector``) stands for the French pipeline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pii_fakes import NAME, NIR, PHONE, NamesDetector
from pydantic import BaseModel, ConfigDict

from agents.checkpoints import memory_checkpointer, thread_messages
from agents.compiler import agent_tools
from agents.errors import UserError
from agents.i18n import t
from agents.models.scripted import ScriptedChatModel, ScriptedReply
from agents.privacy_guard import MemoryVault, PrivacyGuard, RevealingStream
from agents.runtime import (
    AgentRuntime,
    ApprovalRequested,
    Finished,
    RunEvent,
    RunResult,
    Token,
    ToolCalled,
    ToolFinished,
)
from agents.spec import AgentSpec
from tools.privacy.pseudonyms import Pseudonyms
from tools.registry import ToolDefinition, ToolRegistry, default_registry

sent_mails: list[dict[str, Any]] = []
looked_up: list[str] = []
SECRETS = (NAME, "marie dupont", PHONE, NIR, "Jean Martin", "0612345678")


class MailArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: str
    body: str


class LookupArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    who: str


def send_mail(args: MailArgs, config: Any) -> dict[str, str]:
    sent_mails.append(args.model_dump())
    return {"status": "envoyé"}


def lookup(args: LookupArgs, config: Any) -> dict[str, str]:
    looked_up.append(args.who)
    return {"dossier": f"{args.who} est suivie par Jean Martin, joignable au {PHONE}."}


@pytest.fixture(autouse=True)
def _clear() -> Iterator[None]:
    sent_mails.clear()
    looked_up.clear()
    yield


def registry() -> ToolRegistry:
    reg = default_registry()
    reg.register(
        ToolDefinition("send_mail", "Courriel", "Envoie.", MailArgs, send_mail, consequential=True)
    )
    reg.register(ToolDefinition("lookup", "Dossier", "Cherche un dossier.", LookupArgs, lookup))
    return reg


def spec(pii: str = "pseudonymise", tools: str = "[]", oversight: str = "none") -> AgentSpec:
    return AgentSpec.from_yaml(
        f"""
schema: atelier/agent@1
name: Réponses aux usagers
instructions: Réponds poliment.
guardrails: {{pii: {pii}}}
oversight: {oversight}
tools: {tools}
"""
    )


def scripted(*replies: dict[str, Any]) -> ScriptedChatModel:
    return ScriptedChatModel(replies=[ScriptedReply.model_validate(r) for r in replies])


def runtime(
    model: ScriptedChatModel, agent: AgentSpec, vault: MemoryVault | None = None, saver: Any = None
) -> AgentRuntime:
    guard = PrivacyGuard(
        agent.guardrails.pii if agent.guardrails else "off", NamesDetector(), vault or MemoryVault()
    )
    return AgentRuntime(agent, model, registry(), saver or memory_checkpointer(), privacy=guard)


def finish(events: list[RunEvent]) -> RunResult:
    last = events[-1]
    assert isinstance(last, Finished)
    return last.result


def what_the_model_read(model: ScriptedChatModel) -> str:
    return json.dumps(
        [[m.text for m in prompt] for prompt in model.prompts]
        + [[str(getattr(m, "tool_calls", ""))] for prompt in model.prompts for m in prompt],
        ensure_ascii=False,
    )


def assert_no_personal_data(text: str) -> None:
    for secret in SECRETS:
        assert secret.casefold() not in text.casefold(), secret


MESSAGE = f"Bonjour, je suis {NAME}, mon numéro est le {PHONE} et mon NIR {NIR}."


def test_the_model_reads_placeholders_and_the_person_reads_the_values() -> None:
    model = scripted({"text": "Bonjour <PERSONNE_1>, nous vous rappelons au <TELEPHONE_1>."})
    vault = MemoryVault()
    rt = runtime(model, spec(), vault)
    events = list(rt.stream("t1", MESSAGE))
    result = finish(events)

    assert_no_personal_data(what_the_model_read(model))
    assert "<PERSONNE_1>" in model.prompts[0][-1].text
    assert "<NIR_1>" in model.prompts[0][-1].text
    expected = f"Bonjour {NAME}, nous vous rappelons au {PHONE}."
    assert result.answer == expected
    assert "".join(e.text for e in events if isinstance(e, Token)) == expected
    # the conversation keeps placeholders only; the mapping is in the vault
    stored = json.dumps(
        [m.text for m in thread_messages(rt.checkpointer, "t1")], ensure_ascii=False
    )
    assert_no_personal_data(stored)
    assert vault.kept["t1"]["<PERSONNE_1>"] == NAME


def test_the_same_person_keeps_the_same_placeholder_across_turns() -> None:
    model = scripted({"text": "Noté."}, {"text": "Noté."})
    rt = runtime(model, spec())
    list(rt.stream("t1", MESSAGE))
    list(rt.stream("t1", "C'est encore marie dupont, au 0612345678."))
    last = model.prompts[1][-1].text
    assert last == "C'est encore <PERSONNE_1>, au <TELEPHONE_1>."


def test_a_placeholder_split_across_tokens_is_revealed_whole() -> None:
    found = Pseudonyms(NamesDetector(), {"<PERSONNE_1>": NAME})
    stream = RevealingStream(found)
    pieces = [
        "Bonjour <PERS",
        "ONNE_1",
        ">, voir ",
        "https://collector.example/?q=<PER",
        "SONNE_1>",
        " ou [ici](https://x.example/<PERSONNE_1>",
        ") merci",
    ]
    shown = [stream.feed(p) for p in pieces] + [stream.flush()]
    text = "".join(shown)
    assert text == (
        f"Bonjour {NAME}, voir https://collector.example/?q=<PERSONNE_1> ou "
        "[ici](https://x.example/<PERSONNE_1>) merci"
    )
    assert not any("<PERS" in piece and ">" not in piece for piece in shown)


def test_a_tool_acts_on_the_values_and_its_result_reaches_the_model_hidden() -> None:
    model = scripted(
        {"tool_calls": [{"name": "lookup", "args": {"who": "<PERSONNE_1>"}}]},
        {"text": "Le dossier de <PERSONNE_1> est suivi par <PERSONNE_2>."},
    )
    rt = runtime(model, spec(tools="[{id: lookup}]"))
    events = list(rt.stream("t1", MESSAGE))
    result = finish(events)

    assert looked_up == [NAME]  # the tool ran on the value
    assert_no_personal_data(what_the_model_read(model))
    assert "<PERSONNE_2>" in model.prompts[1][-1].text  # a name the tool found, hidden too
    assert result.answer == f"Le dossier de {NAME} est suivi par Jean Martin."
    called = next(e for e in events if isinstance(e, ToolCalled))
    finished = next(e for e in events if isinstance(e, ToolFinished))
    assert called.call.args == {"who": NAME}
    assert "Jean Martin" in finished.call.result["dossier"]
    stored = thread_messages(rt.checkpointer, "t1")
    assert_no_personal_data(
        json.dumps([m.model_dump() for m in stored], ensure_ascii=False, default=str)
    )


def test_an_approval_card_shows_the_values_and_the_checkpoint_keeps_placeholders() -> None:
    model = scripted(
        {
            "tool_calls": [
                {"name": "send_mail", "args": {"to": "<EMAIL_1>", "body": "Bonjour <PERSONNE_1>"}}
            ]
        },
        {"text": "Envoyé."},
    )
    rt = runtime(model, spec(tools="[{id: send_mail}]"))
    events = list(rt.stream("t1", f"Écris à {NAME}, marie.dupont@example.fr"))
    request = next(e for e in events if isinstance(e, ApprovalRequested)).request
    assert request["args"] == {"to": "marie.dupont@example.fr", "body": f"Bonjour {NAME}"}
    assert rt.pending_approval("t1")["args"]["body"] == f"Bonjour {NAME}"
    saved = rt.checkpointer.get_tuple({"configurable": {"thread_id": "t1", "checkpoint_ns": ""}})
    assert NAME not in json.dumps(saved, ensure_ascii=False, default=str)

    result = finish(list(rt.resume("t1", "approve", by="alice")))
    assert sent_mails == [{"to": "marie.dupont@example.fr", "body": f"Bonjour {NAME}"}]
    assert result.answer == "Envoyé."
    assert_no_personal_data(what_the_model_read(model))


def test_args_a_person_edits_are_kept_hidden_and_sent_as_typed() -> None:
    model = scripted(
        {"tool_calls": [{"name": "send_mail", "args": {"to": "<EMAIL_1>", "body": "Bonjour"}}]},
        {"text": "Envoyé."},
    )
    rt = runtime(model, spec(tools="[{id: send_mail}]"))
    list(rt.stream("t1", "Écris à marie.dupont@example.fr"))
    edited = {"to": "marie.dupont@example.fr", "body": f"Bonjour {NAME}, au {PHONE}"}
    finish(list(rt.resume("t1", "edit", args=edited, by="alice")))
    assert sent_mails == [edited]
    stored = thread_messages(rt.checkpointer, "t1")
    assert_no_personal_data(
        json.dumps([m.model_dump() for m in stored], ensure_ascii=False, default=str)
    )
    assert_no_personal_data(what_the_model_read(model))


def test_block_refuses_a_message_holding_personal_data_before_the_model() -> None:
    model = scripted({"text": "Bien reçu."})
    rt = runtime(model, spec(pii="block"))
    with pytest.raises(UserError) as refused:
        list(rt.stream("t1", f"Je suis {NAME}, au {PHONE}."))
    message = refused.value.message("fr")
    assert t("privacy.kind.PERSONNE") in message and t("privacy.kind.TELEPHONE") in message
    assert NAME not in message and PHONE not in message
    assert model.calls == 0
    assert thread_messages(rt.checkpointer, "t1") == []
    # a message without any goes through
    assert finish(list(rt.stream("t1", "Quels sont vos horaires ?"))).answer == "Bien reçu."


def test_under_review_a_draft_offers_no_tool_with_effects() -> None:
    reviewed = spec(tools="[{id: send_mail}, {id: lookup}, {id: calculator}]", oversight="review")
    offered = agent_tools(reviewed, registry())
    assert set(offered) == {"lookup", "calculator"}
    free = spec(tools="[{id: send_mail}, {id: lookup}]")
    assert set(agent_tools(free, registry())) == {"send_mail", "lookup"}
    # and a draft that asks for one anyway is told it is not available: nothing is sent
    model = scripted(
        {"tool_calls": [{"name": "send_mail", "args": {"to": "a@example.org", "body": "x"}}]},
        {"text": "Brouillon."},
    )
    rt = runtime(model, reviewed)
    result = finish(list(rt.stream("t1", "Réponds à l'usager.")))
    assert sent_mails == []
    assert result.outcome != "awaiting_approval"
