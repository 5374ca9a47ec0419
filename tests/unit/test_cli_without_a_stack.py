"""Every command that talks to a stack, run where there is none and no AWS region: one line, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main
from journeysync_local.moto_server import MotoEndpoint
from typer.testing import CliRunner

from journeysync_cli.main import app

# commands that need no stack (they start one, or read only local files)
NO_STACK = {"demo", "dev", "config", "inventory"}


def _leaves(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    if getattr(command, "commands", None):  # a group (typer's own click classes: duck-typed)
        return [leaf for name, sub in command.commands.items() for leaf in _leaves(sub, (*path, name))]
    return [(path, command)]


def _value(param: Any, tmp: Path) -> str:
    if param.name == "name":  # `secrets set NAME`: a real one, so the command gets as far as the stack
        return "square"
    kind = getattr(param, "type", None)
    name = type(kind).__name__
    if getattr(kind, "choices", None):
        return str(next(iter(kind.choices)))
    if name in ("IntParamType", "FloatParamType", "IntRange", "FloatRange"):
        return "1"
    if name == "Path":
        return str(tmp / "out")
    if name == "DateTime":
        return "2026-01-01"
    return "someone@example.org"


def _args(command: Any, tmp: Path) -> list[str]:
    args: list[str] = []
    for param in command.params:
        if not param.required:
            continue
        if param.param_type_name == "option":
            args += [param.opts[0], _value(param, tmp)]
        else:
            args.append(_value(param, tmp))
    return args


STACK_COMMANDS = [leaf for leaf in _leaves(typer.main.get_command(app)) if leaf[0][0] not in NO_STACK]


@pytest.mark.parametrize("path", [p for p, _ in STACK_COMMANDS], ids=" ".join)
def test_with_no_local_stack_and_no_region_the_command_says_what_to_do_in_one_line(
    path: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("JOURNEYSYNC_STATE_FILE", str(tmp_path / ".journeysync" / "stack.json"))
    monkeypatch.chdir(tmp_path)
    command = dict(STACK_COMMANDS)[path]
    result = CliRunner().invoke(app, [*path, *_args(command, tmp_path)])
    assert isinstance(result.exception, SystemExit), f"{' '.join(path)} raised {result.exception!r}"
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert "Traceback" not in result.output
    assert lines and "journeysync dev" in lines[-1] and "AWS_REGION" in lines[-1], result.output


def test_the_walk_finds_the_stack_commands() -> None:
    names = {" ".join(p) for p, _ in STACK_COMMANDS}
    assert {"profile get", "report", "stack info"} <= names


def test_an_aws_error_no_command_anticipated_ends_in_one_line(tmp_path: Path, moto_endpoint: MotoEndpoint) -> None:
    """The console script's last resort: a stack whose table AWS does not have (a ClientError mid-command)."""
    state = tmp_path / "stack.json"
    state.write_text(json.dumps({
        "pid": os.getpid(), "stack_name": "s", "moto_url": moto_endpoint.url,
        "resources": {"Table": {"ref": "no-such-table", "type": "AWS::DynamoDB::Table"}},
    }))
    env = {**os.environ, "JOURNEYSYNC_STATE_FILE": str(state)}
    done = subprocess.run(
        [sys.executable, "-m", "journeysync_cli.main", "profile", "get", "--email", "a@example.org"],
        capture_output=True, text=True, env=env, timeout=60, check=False, cwd=tmp_path,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("error:"), done.stderr
