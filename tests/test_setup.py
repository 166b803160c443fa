"""Setting Atelier up: ``atelier ui`` says in the person's language when the port is taken and
when reading scanned pages (OCR) is not installed; the services say whether OCR is there."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_driver import atelier
from web_driver import signed_in

from builder_ui.services import system
from store.knowledge.parsers.pdf import tesseract_command


@pytest.fixture
def busy_port() -> Iterator[int]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


@pytest.fixture
def no_tesseract(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    tesseract_command.cache_clear()
    yield
    tesseract_command.cache_clear()


def test_a_busy_port_is_said_in_french_with_how_to_choose_another(busy_port: int) -> None:
    result = atelier("ui", "--port", str(busy_port))
    assert result.exit_code == 2, result.stderr
    assert f"le port {busy_port} est déjà utilisé" in result.stderr
    assert f"make run PORT={busy_port + 1}" in result.stderr
    assert f"atelier ui --port {busy_port + 1}" in result.stderr
    assert "Address already in use" not in result.stderr


def test_a_busy_port_is_said_in_english(busy_port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_LANG", "en")
    result = atelier("ui", "--port", str(busy_port))
    assert result.exit_code == 2
    assert f"port {busy_port} is already used by another program" in result.stderr


def test_a_free_port_is_free() -> None:
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    assert system.port_taken(port) is False


def test_ui_says_how_to_get_ocr_when_tesseract_is_missing(
    busy_port: int, no_tesseract: None
) -> None:
    assert system.ocr_available() is False
    assert system.ocr_missing_key() == "setup.ocr.missing"
    result = atelier("ui", "--port", str(busy_port))  # the port stops it after the advice
    assert "La lecture des pages scannées (OCR) n'est pas installée" in result.stderr
    assert "sudo apt-get install tesseract-ocr tesseract-ocr-fra" in result.stderr


def test_ui_says_nothing_of_ocr_when_tesseract_is_there(busy_port: int) -> None:
    if tesseract_command() is None:
        pytest.skip("Tesseract is not installed here (make system-deps)")
    assert system.ocr_available() is True and system.ocr_missing_key() is None
    result = atelier("ui", "--port", str(busy_port))
    assert "OCR" not in result.stderr


def knowledge_page_infos() -> list[str]:
    from streamlit.testing.v1 import AppTest

    app = str(Path(__file__).resolve().parents[1] / "builder_ui" / "web" / "app.py")
    at = signed_in(AppTest.from_file(app, default_timeout=60)).run()
    at.switch_page("views/knowledge.py").run()
    assert not at.exception, at.exception
    return [i.value for i in at.info]


def test_the_knowledge_page_says_when_ocr_is_missing(no_tesseract: None) -> None:
    infos = knowledge_page_infos()
    assert any(
        i.startswith("La lecture des pages scannées (OCR) n'est pas installée :") for i in infos
    ), infos


def test_the_knowledge_page_says_nothing_of_ocr_when_it_is_there() -> None:
    if tesseract_command() is None:
        pytest.skip("Tesseract is not installed here (make system-deps)")
    assert not any("OCR" in i for i in knowledge_page_infos())
