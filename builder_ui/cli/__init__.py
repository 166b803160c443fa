"""The ``atelier`` command. ``main`` is imported lazily so that ``atelier --help`` stays fast
and the command modules can import ``builder_ui.cli.common`` without loading every command."""


def main() -> None:
    from builder_ui.cli.main import main as run

    run()
