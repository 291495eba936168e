"""A tour of the native SimpleMDM client, run against the built-in fake (``make demo``).

It starts ``FakeSimpleMDM`` with a generated fleet on 127.0.0.1 and then only uses the public
API, the way your code would against https://a.simplemdm.com: count devices by model, lock
one, upload an app and roll it out to a group through an assignment group, run a script on
three Macs, and ride out an injected 429.
"""

from __future__ import annotations

import sys
import time
from collections import Counter

import anyio

from mdmkit.core.errors import MDMError
from mdmkit.simplemdm import SimpleMDMClient
from mdmkit.testing import FakeSimpleMDM
from mdmkit.testing.faults import RateLimited

FLEET_SIZE = 500


def step(title: str) -> None:
    print(f"\n== {title}")


async def tour(sm: SimpleMDMClient, fake: FakeSimpleMDM) -> None:
    step(f"Inventory: every device, paged 100 at a time ({sm.base_url})")
    models: Counter[str] = Counter()
    macs: list[int] = []
    phone = None
    async for device in sm.devices.list(include_awaiting_enrollment=True):
        models[device.model_name or "unknown"] += 1
        if device.status == "enrolled" and (device.product_name or "").startswith("Mac"):
            macs.append(device.id)
        if phone is None and device.status == "enrolled" and "iPhone" in (device.model_name or ""):
            phone = device
    print(f"{sum(models.values())} devices, {len(models)} models; the most common:")
    for model, count in models.most_common(6):
        print(f"  {count:4d}  {model}")

    step("Lock a lost iPhone with a message and a phone number")
    assert phone is not None, "the generated fleet always has an enrolled iPhone"
    await sm.devices.lock(
        phone.id, message="This iPhone is lost. Call IT.", phone_number="+15555550100"
    )
    locks = fake.requests.filter(method="POST", path=f"*/devices/{phone.id}/lock")
    print(f"  locked {phone.name!r} (id {phone.id}, serial {phone.serial_number})")
    print(f"  the server received {len(locks)} lock command: {dict(locks[0].form)}")

    step("Upload an enterprise app and assign it to a group through an assignment group")
    app = await sm.apps.create(
        binary=b"PK\x03\x04 fake ipa", filename="SurfReport.ipa", name="Surf Report"
    )
    print(f"  uploaded {app.name!r}: id {app.id}, type {app.app_type!r}")
    group = await sm.device_groups.list().first()
    assert group is not None
    rollout = await sm.assignment_groups.create(name="Surf Report rollout", auto_deploy=True)
    await sm.assignment_groups.assign_app(rollout.id, app.id)
    await sm.assignment_groups.assign_device_group(rollout.id, group.id)
    await sm.assignment_groups.push_apps(rollout.id)
    rollout = await sm.assignment_groups.get(rollout.id)
    print(f"  assignment group {rollout.name!r} (id {rollout.id}):")
    print(f"    apps {list(rollout.app_ids)}")
    print(f"    device groups {list(rollout.device_group_ids)} ({group.name})")
    print("  push_apps queued: the group's devices will install it")

    step("Run a script on three Macs")
    script = await sm.scripts.create(name="Who is logged in", content="#!/bin/sh\nwho\n")
    job = await sm.script_jobs.create(script_id=script.id, device_ids=macs[:3])
    job = await sm.script_jobs.get(job.id)
    print(f"  script {script.name!r} -> job {job.id} ({job.status}) on devices:")
    for target in job.devices:
        print(f"    device {target.id}: {target.status}")

    step("Survive a rate limit: the fake answers the next account read with 429")
    fake.faults.add(RateLimited(retry_after=1), route="GET */account", times=1)
    started = time.monotonic()
    account = await sm.account.get()
    waited = time.monotonic() - started
    hits = fake.requests.filter(method="GET", path="*/account")
    statuses = [r.status for r in hits]
    print(
        f"  account {account.name!r} read after {waited:.1f}s; the server saw statuses {statuses}"
    )


async def main() -> int:
    async with FakeSimpleMDM(devices=FLEET_SIZE, seed=7, new_groups=False) as fake:  # classic
        print(f"FakeSimpleMDM with {FLEET_SIZE} generated devices at {fake.url}")
        async with SimpleMDMClient(fake.api_key, base_url=fake.url) as sm:
            try:
                await tour(sm, fake)
            except MDMError as error:
                print(f"tour failed: {error!r}", file=sys.stderr)
                return 1
    print("\nDone.")
    return 0


if __name__ == "__main__":
    sys.exit(anyio.run(main))
