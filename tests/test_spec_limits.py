"""Spec files cannot exhaust memory: size, depth and alias expansion are bounded (issue 8, #15).

Each hostile file goes through ``AgentSpec.load``, the reader that ``atelier agent validate`` and
``atelier agent import`` use (and, for text, the builder's import through ``parse_yaml``), and
must be refused as a user error (exit code 2) with a plain message, at a bounded memory cost
measured with ``tracemalloc``.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_driver import atelier

from agents.bounded_yaml import MAX_DEPTH, MAX_SPEC_BYTES, YamlLimit, load_bounded
from agents.errors import InvalidSpec
from agents.i18n import t
from agents.spec import AgentSpec, short_json

HEAD = "schema: atelier/agent@1\nname: Rieur\n"
PEAK_LIMIT = 50 * 1024 * 1024


def laughs(levels: int = 9, width: int = 9) -> str:
    """Nested aliases: a few hundred bytes describing ``width ** levels`` strings."""
    lines = ["a0: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "".join(f"  {line}\n" for line in lines)


LAUGHS_IN_WORKFLOW = HEAD + "workflow:\n- step:\n" + laughs().replace("  ", "    ")
LAUGHS_IN_CONFIG = HEAD + "tools:\n- id: calculator\n  config:\n" + laughs().replace("  ", "    ")
DEEP_FLOW = HEAD + "workflow: " + "[" * 1000 + "]" * 1000 + "\n"
DEEP_BLOCK = HEAD + "workflow:\n" + "- " * 1000 + "x\n"
DEEP_MAPPING = HEAD + "workflow:\n" + "".join(" " * i + f"k{i}:\n" for i in range(1000))
ALIAS_LOOP = HEAD + "workflow: &w [*w]\n"
DEEP_BY_ALIASES = (
    HEAD + "x0: &x0 [a]\n" + "".join(f"x{i}: &x{i} [*x{i - 1}]\n" for i in range(1, 80))
)


def measured(action: Callable[[], Any]) -> tuple[BaseException | None, int]:
    """What ``action`` raised, and the peak memory it allocated (bytes)."""
    tracemalloc.start()
    try:
        action()
        raised: BaseException | None = None
    except BaseException as exc:  # the caller asserts on it
        raised = exc
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return raised, peak


def refused(path: Path, key: str, **params: Any) -> InvalidSpec:
    raised, peak = measured(lambda: AgentSpec.load(path))
    assert isinstance(raised, InvalidSpec), repr(raised)
    assert raised.exit_code == 2
    assert t(key, **params) in raised.message(), raised.message()
    assert peak < PEAK_LIMIT, f"{peak / 1e6:.1f} MB"
    return raised


@pytest.mark.parametrize("text", [LAUGHS_IN_WORKFLOW, LAUGHS_IN_CONFIG], ids=["workflow", "config"])
def test_a_billion_laughs_is_refused_with_little_memory(tmp_path: Path, text: str) -> None:
    path = tmp_path / "laughs.yaml"
    path.write_text(text, "utf-8")
    assert path.stat().st_size < 700
    refused(path, "yaml.aliases_too_large", limit="2")


@pytest.mark.parametrize(
    "text",
    [DEEP_FLOW, DEEP_BLOCK, DEEP_MAPPING, DEEP_BY_ALIASES],
    ids=["flow", "block", "mapping", "aliases"],
)
def test_deep_nesting_is_refused_not_an_internal_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(text, "utf-8")
    refused(path, "yaml.too_deep", limit=MAX_DEPTH)


def test_an_alias_inside_itself_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text(ALIAS_LOOP, "utf-8")
    refused(path, "yaml.alias_loop")


def test_a_5_mb_file_is_refused_without_being_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(HEAD + "description: " + "a" * 5_000_000 + "\n", "utf-8")
    refused(path, "yaml.too_large", limit="1")
    with pytest.raises(YamlLimit):  # the same bound for text that arrives without a file
        load_bounded(path.read_text("utf-8"))


def test_an_oversized_number_is_a_user_error(tmp_path: Path) -> None:
    path = tmp_path / "number.yaml"
    path.write_text(HEAD + "limits: {max_tool_steps: " + "1" * 5000 + "}\n", "utf-8")
    refused(path, "yaml.bad_value")


@pytest.mark.parametrize("command", ["validate", "import"])
@pytest.mark.parametrize("text", [LAUGHS_IN_CONFIG, DEEP_FLOW], ids=["laughs", "deep"])
def test_the_cli_answers_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str, text: str
) -> None:
    monkeypatch.setenv("ATELIER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ATELIER_LANG", "fr")
    path = tmp_path / "agent.yaml"
    path.write_text(text, "utf-8")
    result = atelier("agent", command, str(path))
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "erreur interne" not in result.stderr


def test_specs_within_the_bounds_still_load(tmp_path: Path) -> None:
    small_aliases = HEAD + "workflow:\n- &step {do: lire}\n- *step\n"
    assert AgentSpec.from_yaml(small_aliases).workflow == [{"do": "lire"}, {"do": "lire"}]
    big = HEAD + "workflow:\n" + "".join(f"- {{n: {i}, texte: ligne {i}}}\n" for i in range(20_000))
    assert 500_000 < len(big) < MAX_SPEC_BYTES
    path = tmp_path / "big.yaml"
    path.write_text(big, "utf-8")
    assert len(AgentSpec.load(path).workflow or []) == 20_000
    nested = HEAD + "workflow:\n- {k: " + "[" * 40 + "]" * 40 + "}\n"
    assert AgentSpec.from_yaml(nested).workflow == [{"k": _nest(39)}]


def _nest(levels: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(levels):
        value = [value]
    return value


def test_values_in_messages_are_cut_before_they_are_serialised() -> None:
    shared: list[Any] = ["lol"] * 9
    for _ in range(9):  # 9 ** 10 strings if walked whole
        shared = [shared] * 9
    raised, peak = measured(lambda: short_json(shared))
    assert raised is None and peak < 1024 * 1024
    shown = short_json(shared)
    assert len(shown) == 60 and shown.endswith("...") and shown.startswith("[[[[")
    assert short_json({"a": [1, 2]}) == '{"a": [1, 2]}'
    assert short_json("x" * 10_000_000).startswith('"xxx') and len(short_json("x" * 100)) == 60


def test_a_large_value_in_a_tool_config_gives_a_short_message() -> None:
    from agents.models.registry import default_registry as default_providers
    from agents.validation import spec_problems
    from tools.registry import default_registry as default_tools

    text = HEAD + "tools:\n- id: calculator\n  config:\n    extra: [" + "1, " * 100_000 + "1]\n"
    spec = AgentSpec.from_yaml(text)
    problems = spec_problems(spec, default_tools(), default_providers(), installation=None)
    assert problems and all(len(message) < 300 for _, message in problems)


def test_many_problems_are_listed_up_to_a_bound() -> None:
    text = HEAD + "tests:\n" + "- {message: ''}\n" * 500
    with pytest.raises(InvalidSpec) as caught:
        AgentSpec.from_yaml(text)
    assert len(caught.value.problems) == 31
    assert t("spec.more_problems", count=470) in caught.value.message()


def test_an_upload_is_refused_before_it_is_decoded() -> None:
    from agents.spec import decode_spec

    with pytest.raises(InvalidSpec) as caught:
        decode_spec(b"a" * (MAX_SPEC_BYTES + 1), "envoi.yaml")
    assert t("yaml.too_large", limit="1") in caught.value.message()
    assert decode_spec("\ufeffname: x\n".encode(), "envoi.yaml") == "name: x\n"
