"""``ebys-support config show``."""

from __future__ import annotations

import json

import click

from ebys_support.cli._context import CliContext, pass_obj


@click.group()
def config() -> None:
    """Show the configuration in force."""


@config.command("show")
@pass_obj
def show(obj: CliContext) -> None:
    """Print the configuration with secrets masked."""
    data = obj.config().masked()

    def text() -> list[str]:
        lines = [f"# instance: {data['instance']}"]
        for section, values in data.items():
            if section == "instance":
                continue
            lines.append(f"\n[{section}]")
            for key, value in values.items():
                lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
        return lines

    obj.emit(data, text)
