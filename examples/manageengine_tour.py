"""A tour of the native ManageEngine MDM client against the built-in fake (``make demo``).

It starts ``FakeManageEngine`` (an MDM Cloud tenant plus its Zoho accounts server) with a
generated fleet on 127.0.0.1 and then only uses the public API: mint a token from a refresh
token, take inventory by platform, upload an enterprise app, approve it in a Beta label,
associate it with a pilot group, and lock a lost phone.
"""

from __future__ import annotations

import sys
from collections import Counter

import anyio

from mdmkit.core.errors import MDMError
from mdmkit.manageengine import ManageEngineClient
from mdmkit.testing import FakeManageEngine

FLEET_SIZE = 200


def step(title: str) -> None:
    print(f"\n== {title}")


async def tour(me: ManageEngineClient, fake: FakeManageEngine) -> None:
    step("Inventory by platform, following paging.next (one Zoho token for the whole run)")
    platforms: Counter[str] = Counter()
    phone = None
    async for device in me.devices.list(exclude_removed=True):
        platforms[device.platform_type or "unknown"] += 1
        if phone is None and device.platform_type == "android" and device.managed_status == 2:
            phone = device
    for platform, count in platforms.most_common():
        print(f"  {count:4d}  {platform}")
    print(f"  token requests sent to Zoho so far: {len(fake.accounts.mints)}")

    step("Upload an enterprise app and wait for the server to process it")
    beta = await me.labels.create(channel_name="Beta")
    uploaded = await me.files.upload(b"PK\x03\x04 field notes", filename="FieldNotes.apk")
    print(f"  uploaded FieldNotes.apk: file id {uploaded.file_id}, {uploaded.status}")
    ready = await me.files.wait(uploaded.file_id, interval=0.25)
    print(f"  file {ready.file_id} is {ready.status}")
    app = await me.apps.create(
        app_name="Field Notes",
        app_type=3,
        app_file=uploaded.file_id,
        app_category_id=1,
        supported_devices=3,
        release_label_id=beta.release_label_id,
    )
    print(f"  created {app.app_name!r} (app id {app.app_id}) in the Beta label")

    step("Approve the Beta version and associate it with a pilot group")
    await me.apps.approve(
        app.app_id,
        beta.release_label_id,
        silent_install=True,
        retire_old_version=False,
        notify_user_via_email=False,
    )
    pilot = await me.groups.create(name="Pilot users")
    members = [d.device_id async for d in me.devices.list(platform="Android", limit=50)][:5]
    await me.groups.add_members(pilot.group_id, members)
    await me.apps.associate_groups(
        app.app_id, beta.release_label_id, [pilot.group_id], silent_install=True
    )
    pilot = await me.groups.get(pilot.group_id, include_members=True)
    print(f"  group {pilot.name!r} (id {pilot.group_id}) with {len(pilot.member_ids)} devices")
    record = fake.state.apps[app.app_id]
    print(f"  the server distributes label {beta.release_label_id} to groups {list(record.groups)}")

    step("Lock a lost Android phone")
    assert phone is not None, "the generated fleet always has a managed Android device"
    await me.devices.lock(
        phone.device_id, lock_message="Lost phone: call IT", phone_number="+15555550100"
    )
    locks = fake.requests.filter(method="POST", path=f"*/devices/{phone.device_id}/actions/lock")
    print(f"  locked {phone.device_name!r} (id {phone.device_id}); the server got {locks[0].json}")


async def main() -> int:
    async with FakeManageEngine(devices=FLEET_SIZE, seed=7, upload_delay=0.5) as fake:
        print(f"FakeManageEngine with {FLEET_SIZE} devices at {fake.base_url}")
        print(f"Zoho accounts server at {fake.accounts_url}")
        async with ManageEngineClient(
            fake.client_id,
            fake.client_secret,
            fake.refresh_token,
            base_url=fake.base_url,
            accounts_url=fake.accounts_url,
        ) as me:
            try:
                await tour(me, fake)
            except MDMError as error:
                print(f"tour failed: {error!r}", file=sys.stderr)
                return 1
    print("\nDone.")
    return 0


if __name__ == "__main__":
    sys.exit(anyio.run(main))
