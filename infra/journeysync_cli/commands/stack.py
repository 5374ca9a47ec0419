"""`journeysync stack`: which stack the commands talk to (the running local one, else the deployed one)."""

from __future__ import annotations

from typing import Annotated

import typer

from journeysync_cli.output import connect_or_exit, console, print_json


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Find and describe the stack other commands use.", no_args_is_help=True)
    app.add_typer(group, name="stack")

    @group.command("info")
    def info(as_json: Annotated[bool, typer.Option("--json", help="plain JSON on stdout")] = False) -> None:
        """Where the stack is (local moto server and gateway, or AWS), its resources and queue depths."""
        stack = connect_or_exit()
        from journeysync.aws import client

        sqs = client("sqs")
        depths = {}
        for logical_id, ref in sorted(stack.of_type("AWS::SQS::Queue").items()):
            attrs = sqs.get_queue_attributes(QueueUrl=ref, AttributeNames=["ApproximateNumberOfMessages"])
            depths[logical_id] = int(attrs["Attributes"]["ApproximateNumberOfMessages"])
        summary = {
            "mode": stack.mode,
            "name": stack.name,
            "gateway_url": stack.gateway_url,
            "moto_url": stack.moto_url,
            "resources": stack.resources,
            "outputs": stack.outputs,
            "queue_depths": depths,
        }
        if as_json:
            print_json(summary)
            return
        console.print(f"[bold]{stack.name}[/] ({stack.mode})")
        if stack.gateway_url:
            console.print(f"  gateway: {stack.gateway_url}")
        for logical_id, ref in sorted(stack.resources.items()):
            depth = f"  [dim]({depths[logical_id]} waiting)[/]" if logical_id in depths else ""
            console.print(f"  {logical_id}: {ref}{depth}", highlight=False)
