"""A real MCP client (the official Python `mcp` package) driving `writ mcp`.

Usage: python mcp_client.py SCENARIO.json RESULT.json

SCENARIO.json names the `writ` binary, the agent's clone and config, and
either a plain list of tool calls ("calls") or the commands the full
scenario runs between its tool calls (a dispatcher poll, an
approver's `writ approve --push`, the merge of the approval branch), each
an argv list with its working directory. The script writes everything it
saw to RESULT.json for the Swift test to judge; it judges nothing itself
beyond what it needs to go on (it stops at the first step that cannot).
"""

import json
import subprocess
import sys

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPError


def run(step):
    """Runs one scenario command; its status and output go into the result."""
    done = subprocess.run(step["argv"], cwd=step.get("cwd"), capture_output=True, text=True, stdin=subprocess.DEVNULL)
    return {"argv": step["argv"], "status": done.returncode, "stdout": done.stdout, "stderr": done.stderr}


def structured(result):
    """A tool result as plain data: its structured content, error flag and text."""
    texts = [block.text for block in result.content if getattr(block, "type", "") == "text"]
    return {"is_error": bool(result.is_error), "structured": result.structured_content, "text": texts}


async def main(scenario_path, result_path):
    with open(scenario_path) as handle:
        scenario = json.load(handle)
    out = {"steps": []}

    def save():
        with open(result_path, "w") as handle:
            json.dump(out, handle, indent=1, sort_keys=True)

    server = StdioServerParameters(
        command=scenario["writ"], args=scenario["args"], cwd=scenario["cwd"], env=scenario.get("env"))
    errlog = open(scenario["stderr"], "w")
    async with stdio_client(server, errlog=errlog) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            out["server"] = {"name": init.server_info.name, "protocol": init.protocol_version}
            listed = await session.list_tools()
            out["tools"] = {tool.name: tool.input_schema for tool in listed.tools}

            async def call(name, arguments, **options):
                result = await session.call_tool(name, arguments, **options)
                return structured(result)

            if "calls" in scenario:
                # A plain list of tool calls, each result kept in order.
                out["calls"] = [await call(entry["tool"], entry["arguments"]) for entry in scenario["calls"]]
                save()
                return

            out["policy"] = await call("writ_policy", {"kind": "dev"})
            out["policy_unknown_kind"] = await call("writ_policy", {"kind": "relase"})

            # Refusals, each with its reason code, before anything is written.
            out["lowering"] = await call(
                "writ_propose", {"kind": "release", "target": "example/app", "blast_radius": "low", "id": "release-low"})
            out["expired"] = await call(
                "writ_propose",
                {"kind": "triage", "target": "example/app", "expires_at": "2020-01-01T00:00:00Z", "id": "triage-old"})
            out["bad_arguments"] = await call("writ_propose", {"kind": "triage", "target": "example/app", "colour": "x"})
            try:
                out["approve_tool"] = await call("writ_approve", {"id": "dev-1"})
            except MCPError as error:
                out["approve_tool"] = {"protocol_error": str(error)}

            # An unknown kind is proposed as high, and the result says so.
            out["unknown_kind"] = await call(
                "writ_propose", {"kind": "relase", "target": "example/app", "id": "relase-1", "summary": "typo"})

            # Low: runs on the next dispatcher poll; the wait sees it settle.
            out["low"] = await call(
                "writ_propose",
                {"kind": "triage", "target": "example/app", "id": "triage-1", "summary": "triage issue 7",
                 "params": {"issue": "7"}})
            low_progress = []
            first = anyio.Event()

            async def on_low(progress, total, message):
                low_progress.append({"progress": progress, "message": message})
                first.set()

            async def dispatch_after_first():
                await first.wait()
                out["steps"].append(await anyio.to_thread.run_sync(run, scenario["dispatch"]))

            async with anyio.create_task_group() as group:
                group.start_soon(dispatch_after_first)
                out["low_wait"] = await call(
                    "writ_wait", {"id": "triage-1", "timeout_seconds": 600, "interval_seconds": 0.5},
                    progress_callback=on_low)
            out["low_progress"] = low_progress
            save()

            # Medium: waits for an approval; signed on the branch is not merged.
            out["medium"] = await call(
                "writ_propose", {"kind": "dev", "target": "example/app", "id": "dev-1", "summary": "build the fix",
                                 "expires_at": "7d"})
            out["medium_before"] = await call("writ_status", {"id": "dev-1"})
            out["steps"].append(await anyio.to_thread.run_sync(run, scenario["approve"]))
            medium_progress = []

            async def on_medium(progress, total, message):
                medium_progress.append({"progress": progress, "message": message})

            out["medium_signed"] = await call(
                "writ_wait", {"id": "dev-1", "timeout_seconds": 1, "interval_seconds": 0.5},
                progress_callback=on_medium)
            out["medium_signed_show"] = await call("writ_show", {"id": "dev-1"})

            # A wait the client cancels stops; the server goes on serving.
            cancelled_progress = []
            seen = anyio.Event()

            async def on_cancelled(progress, total, message):
                cancelled_progress.append(message)
                seen.set()

            with anyio.CancelScope() as scope:
                async with anyio.create_task_group() as group:
                    async def cancel_after_first():
                        await seen.wait()
                        scope.cancel()

                    group.start_soon(cancel_after_first)
                    await call(
                        "writ_wait", {"id": "dev-1", "timeout_seconds": 3600, "interval_seconds": 0.5},
                        progress_callback=on_cancelled)
            out["cancelled"] = {"cancelled": scope.cancelled_caught, "progress": cancelled_progress}
            out["after_cancel"] = await call("writ_status", {"id": "dev-1"})

            out["steps"].extend([await anyio.to_thread.run_sync(run, step) for step in scenario["merge"]])
            dispatched = anyio.Event()

            async def on_merged(progress, total, message):
                medium_progress.append({"progress": progress, "message": message})
                if not dispatched.is_set():
                    dispatched.set()
                    out["steps"].append(await anyio.to_thread.run_sync(run, scenario["dispatch"]))

            out["medium_wait"] = await call(
                "writ_wait", {"id": "dev-1", "timeout_seconds": 600, "interval_seconds": 0.5},
                progress_callback=on_merged)
            out["medium_progress"] = medium_progress

            out["list"] = await call("writ_list", {})
            policy = await session.read_resource("writ://policy")
            out["policy_resource"] = policy.contents[0].text
            intent = await session.read_resource("writ://intent/triage-1")
            out["intent_resource"] = intent.contents[0].text

            # Withdraw: a third intent, taken back before any poll.
            out["third"] = await call(
                "writ_propose", {"kind": "dev", "target": "example/app", "id": "dev-2", "summary": "not needed"})
            out["withdraw"] = await call("writ_withdraw", {"id": "dev-2", "note": "the user changed their mind"})
            out["steps"].append(await anyio.to_thread.run_sync(run, scenario["dispatch"]))
            out["withdrawn_status"] = await call("writ_status", {"id": "dev-2"})
            save()
    errlog.close()
    save()


if __name__ == "__main__":
    anyio.run(main, sys.argv[1], sys.argv[2])
