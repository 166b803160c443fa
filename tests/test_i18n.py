"""Every sentence a person reads comes from the catalogues, in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agents.i18n import catalogue, t

ROOT = Path(__file__).resolve().parents[1]
# t("key"...), UserError("key"...), NotFound("key"...): a literal message key in the code.
KEY_USE = re.compile(
    r"""(?:\bt|Error|NotFound|Credentials|Unavailable|Busy|Value|Spec|Rejected|Blocked)\(\s*f?["']([a-z_]+\.[a-z0-9_.{}]+)["']"""
)


def used_keys() -> set[str]:
    keys: set[str] = set()
    for folder in ("agents", "tools", "store", "builder_ui"):
        for path in (ROOT / folder).rglob("*.py"):
            keys.update(KEY_USE.findall(path.read_text("utf-8")))
    return {k for k in keys if "{" not in k}


def test_both_languages_have_the_same_keys() -> None:
    assert set(catalogue("fr")) == set(catalogue("en"))


def test_every_key_used_in_the_code_exists() -> None:
    missing = sorted(k for k in used_keys() if k not in catalogue("fr"))
    assert not missing, f"keys used but absent from agents/locales: {missing}"
    assert len(used_keys()) > 50, "the scan must find the keys (check the pattern)"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_templates_format_with_their_parameters(lang: str) -> None:
    for key, template in catalogue(lang).items():
        names = set(re.findall(r"{(\w+)}", template))
        rendered = t(key, lang, **{n: "X" for n in names})
        assert "{" not in rendered.replace("{{", "").replace("}}", ""), key


def test_language_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_LANG", "en")
    assert t("run.empty_message").startswith("the message")
    monkeypatch.setenv("ATELIER_LANG", "xx")
    assert t("run.empty_message").startswith("le message")
