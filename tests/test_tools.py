"""The tool registry and the built-in tools: calculator and clock."""

from __future__ import annotations

import re
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel, ConfigDict

from agents.errors import UserError
from tools import calculator, clock
from tools.calculator import evaluate
from tools.registry import NoConfig, ToolDefinition, ToolRegistry, default_registry


@pytest.fixture(autouse=True)
def french(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_LANG", "fr")


@pytest.fixture
def registry() -> ToolRegistry:
    return default_registry()


class EchoArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str


def echo_tool(run: Any = None, **overrides: Any) -> ToolDefinition:
    """A tiny plug-in style tool; ``run`` replaces its behaviour."""
    fields: dict[str, Any] = {
        "id": "echo",
        "title": "Écho",
        "description": "Répète le texte.",
        "args_model": EchoArgs,
        "run": run or (lambda args, config: {"echo": args.text}),
    }
    return ToolDefinition(**(fields | overrides))


# --- registry -----------------------------------------------------------------------------------


def test_builtins_are_registered(registry: ToolRegistry) -> None:
    assert [tool.id for tool in registry.all()] == [
        "calculator",
        "create_document",
        "current_datetime",
        "http_action",
        "knowledge_search",
        "mcp",
        "url_fetch",
        "web_search",
    ]
    calc = registry.get("calculator")
    assert calc.consequential is False
    assert calc.title == "Calculatrice"
    assert calc.description.startswith("Calcule une expression arithmétique")
    assert registry.get("current_datetime").config_model is clock.ClockConfig


def test_unknown_tool_lists_the_known_ones(registry: ToolRegistry) -> None:
    with pytest.raises(UserError) as caught:
        registry.get("calculatrice")
    assert caught.value.key == "tool.unknown"
    assert caught.value.message() == (
        "outil inconnu : « calculatrice ». Outils disponibles : calculator, create_document,"
        " current_datetime, http_action, knowledge_search, mcp, url_fetch, web_search"
    )


def test_registering_twice_is_refused(registry: ToolRegistry) -> None:
    with pytest.raises(ValueError, match="calculator"):
        registry.register(registry.get("calculator"))


def test_plugin_registers_through_the_same_call(registry: ToolRegistry) -> None:
    def plugin(reg: ToolRegistry) -> None:
        reg.register(echo_tool())

    plugin(registry)
    assert "echo" in registry
    result = registry.run("echo", {"text": "bonjour"})
    assert result.ok and result.output == {"echo": "bonjour"}
    assert result.for_model() == '{"echo": "bonjour"}'


def test_bad_args_become_an_unsuccessful_result(registry: ToolRegistry) -> None:
    result = registry.run("calculator", {"expr": "1+1"})
    assert not result.ok
    assert result.error.startswith("arguments invalides pour l'outil calculator")
    assert result.for_model().startswith("Erreur de l'outil calculator : ")


def test_a_failing_tool_becomes_an_unsuccessful_result(caplog: pytest.LogCaptureFixture) -> None:
    def broken(args: EchoArgs, config: NoConfig) -> None:
        raise RuntimeError("secret internal detail")

    reg = ToolRegistry()
    reg.register(echo_tool(run=broken))
    result = reg.run("echo", {"text": "x"})
    assert not result.ok
    assert "RuntimeError" in result.error
    assert "secret internal detail" not in result.error
    assert "journal" in result.error


def test_a_slow_tool_times_out() -> None:
    release = threading.Event()

    def slow(args: EchoArgs, config: NoConfig) -> str:
        release.wait(5)
        return "trop tard"

    reg = ToolRegistry()
    reg.register(echo_tool(run=slow, timeout_s=0.2))
    started = time.monotonic()
    try:
        result = reg.run("echo", {"text": "x"})
    finally:
        release.set()
    assert time.monotonic() - started < 2
    assert not result.ok
    assert result.error.startswith("l'outil n'a pas répondu en 0.2 s")


def test_a_user_error_in_a_tool_is_reported_as_is(registry: ToolRegistry) -> None:
    result = registry.run("calculator", {"expression": "1/0"})
    assert not result.ok
    assert result.error == "division par zéro : le calcul n'a pas de résultat"


# --- calculator ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("6*7", 42),
        ("2 + 3 * 4", 14),
        ("(2 + 3) * 4", 20),
        ("-2**2", -4),
        ("2**3**2", 512),
        ("7 // 2", 3),
        ("7 % 3", 1),
        ("-7 // 2", -4),
        ("+5 - -3", 8),
        ("10 / 4", 2.5),
        ("10 / 2", 5),
        ("0.1 + 0.2", 0.3),
        ("1 / 3", 0.333333333333),
        ("2 ** -2", 0.25),
        ("1.5e3", 1500),
        ("sqrt(16)", 4),
        ("sqrt(2)", 1.41421356237),
        ("abs(-3.5)", 3.5),
        ("min(4, 2, 8)", 2),
        ("max(4, 2.5)", 4),
        ("floor(2.7) + ceil(2.1)", 5),
        ("log(100, 10)", 2),
        ("log10(1000)", 3),
        ("exp(0)", 1),
        ("round(2.5)", 3),
        ("round(-2.5)", -3),
        ("round(2.675, 2)", 2.68),
        ("round(1234.5, -2)", 1200),
        ("2 * pi", 6.28318530718),
        ("sin(0) + cos(0) + tan(0)", 1),
        ("e", 2.71828182846),
        ("3,5 * 2", 7),
        ("12,25 + 0,75", 13),
        ("2^10", 1024),
        ("6 × 7 ÷ 2 − 1", 20),
        ("10**100", 10**100),
    ],
)
def test_calculator_results(expression: str, expected: int | float) -> None:
    result = evaluate(expression)
    assert result == expected
    assert type(result) is type(expected)


def test_calculator_tool_result_is_json_able(registry: ToolRegistry) -> None:
    result = registry.run("calculator", {"expression": " 6*7 "})
    assert result.ok
    assert result.output == {"expression": "6*7", "result": 42}
    assert result.for_model() == '{"expression": "6*7", "result": 42}'


def test_comma_separates_arguments_inside_function_calls() -> None:
    assert evaluate("max(3,5)") == 5
    assert evaluate("round(3.14159,2)") == 3.14


@pytest.mark.parametrize(
    ("expression", "key"),
    [
        ("__import__('os')", "tool.calculator.unknown_name"),
        ("__import__('os').system('ls')", "tool.calculator.not_allowed"),
        ("(1).real", "tool.calculator.not_allowed"),
        ("pi.__class__", "tool.calculator.not_allowed"),
        ("x + 1", "tool.calculator.unknown_name"),
        ("open('/etc/passwd')", "tool.calculator.unknown_name"),
        ("lambda: 1", "tool.calculator.not_allowed"),
        ("[i for i in (1, 2)]", "tool.calculator.not_allowed"),
        ("(1, 2)", "tool.calculator.not_allowed"),
        ("1 < 2", "tool.calculator.not_allowed"),
        ("1 if 1 else 2", "tool.calculator.not_allowed"),
        ("1 << 1000", "tool.calculator.not_allowed"),
        ("1 & 2", "tool.calculator.not_allowed"),
        ("~1", "tool.calculator.not_allowed"),
        ("abs(x=1)", "tool.calculator.not_allowed"),
        ("'a' * 3", "tool.calculator.not_a_number"),
        ("f'{1}'", "tool.calculator.not_allowed"),
        ("True + 1", "tool.calculator.not_a_number"),
        ("1j", "tool.calculator.not_a_number"),
        ("sqrt", "tool.calculator.function_without_call"),
        ("pi()", "tool.calculator.not_a_function"),
        ("sqrt(1, 2)", "tool.calculator.arity_exact"),
        ("log()", "tool.calculator.arity_range"),
        ("min()", "tool.calculator.arity_min"),
        ("round(1.5, 10**50)", "tool.calculator.round_digits"),
        ("round(5, -10**50)", "tool.calculator.round_digits"),
        ("2 +", "tool.calculator.syntax"),
        ("(1 + 2", "tool.calculator.syntax"),
        ("   ", "tool.calculator.empty"),
        ("1/0", "tool.calculator.division_by_zero"),
        ("5 % 0", "tool.calculator.division_by_zero"),
        ("5 // 0.0", "tool.calculator.division_by_zero"),
        ("0 ** -1", "tool.calculator.division_by_zero"),
        ("sqrt(-1)", "tool.calculator.domain"),
        ("log(0)", "tool.calculator.domain"),
        ("(-8) ** (1/3)", "tool.calculator.not_real"),
        ("10**100 + 1", "tool.calculator.too_large"),
        ("1e999", "tool.calculator.too_large"),
        ("exp(1000)", "tool.calculator.too_large"),
        ("2.0 ** 100000", "tool.calculator.too_large"),
        ("1" * 120, "tool.calculator.too_large"),
        ("1" * 501, "tool.calculator.too_long"),
        ("1+" * 150 + "1", "tool.calculator.too_complex"),
        ("-" * 300 + "1", "tool.calculator.too_complex"),
        ("(" * 300 + "1" + ")" * 300, "tool.calculator.too_long"),
        ("(" * 240 + "1" + ")" * 240, "tool.calculator.syntax"),
    ],
)
def test_calculator_refusals(expression: str, key: str) -> None:
    with pytest.raises(UserError) as caught:
        evaluate(expression)
    assert caught.value.key == key
    message = caught.value.message()
    assert message and message != key


@pytest.mark.parametrize(
    "expression", ["9**9**9", "10**10**10", "9**9**9**9", "(10**100)**(10**100)", "2**(2**1000)"]
)
def test_huge_powers_are_refused_at_once(expression: str) -> None:
    started = time.monotonic()
    with pytest.raises(UserError) as caught:
        evaluate(expression)
    assert time.monotonic() - started < 0.5
    assert caught.value.key == "tool.calculator.too_large"
    assert caught.value.message() == (
        "nombre trop grand (au-delà de 10^100) ; vérifiez l'expression ou changez d'unité"
    )


def test_refusal_names_what_is_not_allowed() -> None:
    with pytest.raises(UserError) as caught:
        evaluate("(1).real")
    assert caught.value.message().startswith("« (1).real » n'est pas permis")
    with pytest.raises(UserError) as caught:
        evaluate("__import__('os')")
    assert caught.value.message().startswith("nom inconnu : « __import__ »")
    assert "sqrt" in caught.value.message()


def test_refusals_are_translated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_LANG", "en")
    with pytest.raises(UserError) as caught:
        evaluate("1/0")
    assert caught.value.message() == "division by zero: the calculation has no result"


def test_long_expression_is_refused_by_the_tool(registry: ToolRegistry) -> None:
    result = registry.run("calculator", {"expression": "1+" * 300 + "1"})
    assert not result.ok
    assert "expression" in result.error
    assert "500" in result.error


def test_every_calculator_message_exists_in_both_languages() -> None:
    from agents.i18n import catalogue

    keys = {k for k in catalogue("fr") if k.startswith("tool.")}
    assert keys == {k for k in catalogue("en") if k.startswith("tool.")}
    text = Path(calculator.__file__).read_text("utf-8")
    used = set(re.findall(r'"(tool\.calculator\.[a-z_]+)"', text))
    assert used and used <= keys


# --- clock --------------------------------------------------------------------------------------


def frozen(moment: datetime) -> Any:
    return lambda zone: moment.astimezone(zone)


def test_clock_renders_a_fixed_time_in_french(
    registry: ToolRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    moment = datetime(2026, 11, 25, 13, 3, 27, tzinfo=ZoneInfo("UTC"))
    monkeypatch.setattr(clock, "now", frozen(moment))
    result = registry.run("current_datetime", {})
    assert result.ok
    assert result.output == {
        "timezone": "Europe/Paris",
        "iso": "2026-11-25T14:03:27+01:00",
        "date": "mercredi 25 novembre 2026",
        "time": "14:03",
    }


def test_clock_uses_the_configured_zone(
    registry: ToolRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    moment = datetime(2026, 8, 1, 2, 30, tzinfo=ZoneInfo("UTC"))
    monkeypatch.setattr(clock, "now", frozen(moment))
    result = registry.run("current_datetime", {}, {"timezone": "America/Cayenne"})
    assert result.output["date"] == "vendredi 31 juillet 2026"
    assert result.output["time"] == "23:30"
    result = registry.run("current_datetime", {}, {"timezone": "Indian/Reunion"})
    assert result.output["date"] == "samedi 1er août 2026"
    assert result.output["iso"] == "2026-08-01T06:30:00+04:00"


def test_clock_takes_no_arguments(registry: ToolRegistry) -> None:
    result = registry.run("current_datetime", {"timezone": "UTC"})
    assert not result.ok
    assert "timezone" in result.error


def test_clock_default_reads_the_real_time(registry: ToolRegistry) -> None:
    result = registry.run("current_datetime", {})
    assert result.ok
    assert datetime.fromisoformat(result.output["iso"]).tzinfo is not None


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fr", "fuseau horaire inconnu : « Europe/Pariss »"),
        ("en", 'unknown time zone "Europe/Pariss"'),
    ],
)
def test_unknown_time_zone(
    registry: ToolRegistry, monkeypatch: pytest.MonkeyPatch, lang: str, expected: str
) -> None:
    monkeypatch.setenv("ATELIER_LANG", lang)
    tool = registry.get("current_datetime")
    with pytest.raises(UserError) as caught:
        tool.validate_config({"timezone": "Europe/Pariss"})
    assert caught.value.key == "tool.bad_config"
    assert caught.value.params["path"] == "timezone"
    assert caught.value.params["message"] == expected
    # and the registry refuses to run it: bad config is the caller's error
    with pytest.raises(UserError):
        registry.run("current_datetime", {}, {"timezone": "Europe/Pariss"})


@pytest.mark.parametrize("zone", ["", "/etc/passwd", "../../etc/passwd", "Europe", "x" * 300])
def test_odd_time_zones_are_refused_plainly(registry: ToolRegistry, zone: str) -> None:
    with pytest.raises(UserError) as caught:
        registry.get("current_datetime").validate_config({"timezone": zone})
    assert caught.value.params["message"].startswith("fuseau horaire inconnu")


def test_unknown_config_field_is_refused(registry: ToolRegistry) -> None:
    with pytest.raises(UserError) as caught:
        registry.get("current_datetime").validate_config({"fuseau": "Europe/Paris"})
    assert caught.value.params["path"] == "fuseau"
