"""How a `journeysync` command finds the stack it should talk to: the running local stack, else AWS.

`journeysync dev` writes `.journeysync/stack.json` in its working directory (moto URL, gateway
URL, physical names) and removes it on exit. `connect()` reads it, points boto3 at the moto
server and returns the names; with no live local stack it reads the deployed stack's
resources and outputs from CloudFormation with the normal boto3 configuration. Every
operator command (profile, dlq, …) starts with `connect()` so it works in both places.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STATE_DIR = ".journeysync"
STATE_FILE = "stack.json"
DEFAULT_STACK_NAME = "journeysync"


class StackNotFoundError(Exception):
    """No running local stack and no deployed stack: the message says how to start one."""


def default_path() -> Path:
    override = os.environ.get("JOURNEYSYNC_STATE_FILE")
    return Path(override) if override else Path.cwd() / STATE_DIR / STATE_FILE


def write(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    # it holds the control token: readable by this user only
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(data, indent=2, default=str))
    tmp.replace(path)


def remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()


def read(path: Path | None = None) -> dict[str, Any] | None:
    """The state of a live local stack, or None (no file, or its process is gone)."""
    path = path or default_path()
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    pid = int(data.get("pid", 0))
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError, OSError):
        return None
    return data


@dataclass
class StackInfo:
    """The stack a command talks to. `resources`: logical id → Ref value (name, queue URL, ARN)."""

    mode: str  # "local" or "aws"
    name: str
    resources: dict[str, str]
    outputs: dict[str, Any] = field(default_factory=dict)
    gateway_url: str | None = None
    moto_url: str | None = None
    functions: dict[str, dict[str, Any]] = field(default_factory=dict)
    dead_letter_queues: dict[str, str] = field(default_factory=dict)
    secrets_prefix: str = "journeysync/"
    types: dict[str, str] = field(default_factory=dict)
    control_url: str | None = None
    control_token: str | None = None
    webhook_urls: dict[str, str] = field(default_factory=dict)

    def of_type(self, cfn_type: str) -> dict[str, str]:
        """Logical id → Ref value for resources of one CloudFormation type (e.g. AWS::SQS::Queue)."""
        return {lid: ref for lid, ref in self.resources.items() if self.types.get(lid) == cfn_type}

    def resource(self, logical_id: str) -> str:
        if logical_id not in self.resources:
            raise StackNotFoundError(
                f"the {self.mode} stack {self.name} has no resource {logical_id} "
                f"(has: {', '.join(sorted(self.resources))})"
            )
        return self.resources[logical_id]

    def function_env(self, logical_id: str) -> dict[str, str]:
        """A function's environment (local stacks only): what a command needs to act like that function."""
        return dict((self.functions.get(logical_id) or {}).get("env") or {})

    def settings_env(self) -> dict[str, str]:
        """The JOURNEYSYNC_* variables every function shares, for commands that build journeysync Settings."""
        env: dict[str, str] = {"JOURNEYSYNC_SECRETS_PREFIX": self.secrets_prefix}
        for fn in self.functions.values():
            for key, value in (fn.get("env") or {}).items():
                if key.startswith("JOURNEYSYNC_") and key != "JOURNEYSYNC_CONFIG_DIR":
                    env.setdefault(key, value)
        if "Table" in self.resources:
            env.setdefault("JOURNEYSYNC_TABLE_NAME", self.resources["Table"])
        if "EventsQueue" in self.resources:
            env.setdefault("JOURNEYSYNC_EVENTS_QUEUE_URL", self.resources["EventsQueue"])
        if "EventBus" in self.resources:
            env.setdefault("JOURNEYSYNC_BUS_NAME", self.resources["EventBus"])
        if "ArchiveBucket" in self.resources:
            env.setdefault("JOURNEYSYNC_ARCHIVE_BUCKET", self.resources["ArchiveBucket"])
        return env

    def apply(self) -> None:
        """Export settings_env() into os.environ (and forget cached settings/clients) for this process."""
        os.environ.update(self.settings_env())
        from journeysync.aws import reset_clients
        from journeysync.settings import get_settings

        reset_clients()
        get_settings.cache_clear()


def from_state(data: dict[str, Any]) -> StackInfo:
    return StackInfo(
        mode="local",
        name=data["stack_name"],
        resources={lid: r["ref"] for lid, r in data["resources"].items()},
        outputs=data.get("outputs") or {},
        gateway_url=data.get("gateway_url"),
        moto_url=data.get("moto_url"),
        functions=data.get("functions") or {},
        dead_letter_queues=data.get("dead_letter_queues") or {},
        secrets_prefix=data.get("secrets_prefix", "journeysync/"),
        types={lid: r["type"] for lid, r in data["resources"].items()},
        control_url=data.get("control_url"),
        control_token=data.get("control_token"),
        webhook_urls=data.get("webhook_urls") or {},
    )


def connect(path: Path | None = None, stack_name: str | None = None, apply: bool = True) -> StackInfo:
    """Find the stack: a live local one (and point boto3 at its moto server), else the deployed one.

    With `apply`, the process environment gets the stack's JOURNEYSYNC_* names so
    `journeysync.settings.get_settings()` and `journeysync.aws.client()` just work.
    """
    data = read(path)
    if data is not None:
        from journeysync_local.moto_server import point_boto3_at

        point_boto3_at(data["moto_url"])
        info = from_state(data)
    else:
        info = _from_cloudformation(stack_name or os.environ.get("JOURNEYSYNC_STACK_NAME") or DEFAULT_STACK_NAME)
    if apply:
        info.apply()
    return info


def _from_cloudformation(stack_name: str) -> StackInfo:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

    no_local = f"no local stack is running here (start one with `journeysync dev`; it writes {STATE_DIR}/{STATE_FILE})"
    try:
        # the client itself needs a region: created inside the try, so a bare machine gets a sentence, not a traceback
        cfn = boto3.client("cloudformation")
        region = cfn.meta.region_name
        stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
        resources: dict[str, str] = {}
        types: dict[str, str] = {}
        for page in cfn.get_paginator("list_stack_resources").paginate(StackName=stack_name):
            for item in page["StackResourceSummaries"]:
                resources[item["LogicalResourceId"]] = item.get("PhysicalResourceId", "")
                types[item["LogicalResourceId"]] = item["ResourceType"]
    except NoRegionError:
        raise StackNotFoundError(
            f"{no_local}, and no AWS region is set to find the deployed stack {stack_name!r} "
            "(set AWS_REGION or AWS_PROFILE, or run `aws configure`)"
        ) from None
    except NoCredentialsError:
        raise StackNotFoundError(
            f"{no_local}, and no AWS credentials were found to read the deployed stack {stack_name!r} "
            "(run `aws configure` or `aws sso login`, or set AWS_PROFILE)"
        ) from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        if error.get("Code") == "ValidationError" and "does not exist" in str(error.get("Message")):
            raise StackNotFoundError(
                f"{no_local}, and there is no deployed stack {stack_name!r} in {region} "
                "(deploy with `make deploy`, or set JOURNEYSYNC_STACK_NAME / AWS_REGION to the one you have)"
            ) from None
        raise StackNotFoundError(
            f"{no_local}, and the deployed stack {stack_name!r} in {region} could not be read: {exc}"
        ) from None
    except BotoCoreError as exc:
        raise StackNotFoundError(f"{no_local}, and the deployed stack {stack_name!r} could not be read: {exc}") from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}
    return StackInfo(
        mode="aws",
        name=stack_name,
        resources=resources,
        outputs=outputs,
        types=types,
        secrets_prefix=str(outputs.get("SecretsPrefix") or "journeysync/"),
    )
