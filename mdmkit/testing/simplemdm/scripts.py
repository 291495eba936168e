"""Scripts (content from an uploaded file or a text field) and script jobs.

A job's targets are expanded from ``device_ids``, ``group_ids`` (device groups) and
``assignment_group_ids``, all comma-joined, keeping macOS devices only; every device starts
``pending``. Cancelling marks the job and its pending devices ``cancelled``.
"""

from __future__ import annotations

from aiohttp import web

from mdmkit.testing._server import Problem
from mdmkit.testing.simplemdm.common import (
    Routes,
    SCall,
    find,
    find_key,
    one,
    read_routes,
    require,
    status_only,
)
from mdmkit.testing.simplemdm.records import JobDevice, Script, ScriptJob
from mdmkit.testing.simplemdm.render import script_job_json, script_json

__all__ = ["routes"]

routes = Routes()


def _content(call: SCall, required: bool) -> str | None:
    part = call.file("file")
    content = part.text() if part is not None else call.arg("file")
    if not content:
        if required:
            raise Problem(422, "file is required")
        return None
    if not content.startswith("#!"):
        raise Problem(422, "scripts must begin with a shebang such as #!/bin/sh")
    return content


read_routes(routes, "/scripts", "script_id", lambda s: s.scripts, script_json)
read_routes(routes, "/script_jobs", "job_id", lambda s: s.script_jobs, script_job_json)


@routes.post("/scripts")
def create_script(call: SCall) -> web.Response:
    state = call.state
    name = require(call, "name")
    content = _content(call, required=True)
    assert content is not None
    variables = bool(call.boolean("variable_support", False))
    script = Script(state.scripts.next_id(), name, content, variables, call.now, call.now)
    state.scripts.add(script.id, script)
    return one(script_json(script), 201)


@routes.patch("/scripts/{script_id}")
def update_script(call: SCall) -> web.Response:
    script = find(call.state.scripts, call, "script_id")
    script.name = call.arg("name") or script.name
    script.content = _content(call, required=False) or script.content
    script.variable_support = bool(call.boolean("variable_support", script.variable_support))
    script.updated_at = call.now
    return one(script_json(script))


@routes.delete("/scripts/{script_id}")
def delete_script(call: SCall) -> web.Response:
    script = find(call.state.scripts, call, "script_id")
    call.state.scripts.remove(script.id)
    return status_only(204)


def _ids(call: SCall, name: str) -> list[int]:
    """A comma-joined id list (repeated fields and JSON lists are accepted too)."""
    out = []
    for value in call.args(name):
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit():
                raise Problem(422, f"{name} must be a comma separated list of ids")
            out.append(int(part))
    return out


def _targets(call: SCall) -> list[int]:
    state = call.state
    device_ids = _ids(call, "device_ids")
    group_ids = _ids(call, "group_ids")
    assignment_ids = _ids(call, "assignment_group_ids")
    if not (device_ids or group_ids or assignment_ids):
        raise Problem(
            422, "at least one of device_ids, group_ids or assignment_group_ids is required"
        )
    chosen: dict[int, None] = {}
    for device_id in device_ids:
        chosen[find_key(state.devices, device_id).id] = None
    wanted = {find_key(state.device_groups, g).id for g in group_ids}
    if wanted:
        chosen |= {d.id: None for d in state.devices.values() if d.device_group_id in wanted}
    for group_id in assignment_ids:
        group = find_key(state.assignment_groups, group_id)
        chosen |= dict.fromkeys(sorted(state.devices_of_group(group)))
    macs = [i for i in chosen if state.devices[i].is_macos]
    if not macs:
        raise Problem(422, "scripts run on macOS devices only, and no target is a Mac")
    return macs


@routes.post("/script_jobs")
def create_job(call: SCall) -> web.Response:
    state = call.state
    script_id = call.integer("script_id")
    if script_id is None:
        raise Problem(422, "script_id is required")
    script = find_key(state.scripts, script_id)
    attribute = call.arg("custom_attribute") or None
    if attribute is not None:
        attribute = find_key(state.custom_attributes, attribute.lower()).name
    regex = call.arg("custom_attribute_regex")
    job = ScriptJob(
        id=state.script_jobs.next_id(),
        script_id=script.id,
        script_name=script.name,
        job_name=call.arg("job_name") or "API Job",
        content=script.content,
        job_id=state.hex_id(5),
        variable_support=script.variable_support,
        devices=[JobDevice(device_id) for device_id in _targets(call)],
        custom_attribute=attribute,
        custom_attribute_regex="\n" if regex is None else regex.replace("\\n", "\n"),
        created_by=f"API ({state.api_key_name})",
        created_at=call.now,
        updated_at=call.now,
    )
    state.script_jobs.add(job.id, job)
    return one(script_job_json(job), 201)


@routes.delete("/script_jobs/{job_id}")
def cancel_job(call: SCall) -> web.Response:
    job = find(call.state.script_jobs, call, "job_id")
    if job.status in ("completed", "completed-with-errors"):
        raise Problem(422, "the job has already completed")
    job.status = "cancelled"
    for device in job.devices:
        if device.status == "pending":
            device.status = "cancelled"
    job.updated_at = call.now
    return status_only(204)
