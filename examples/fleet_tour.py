"""One fleet, two MDMs: the vendor-neutral API over the built-in fakes (``make demo``).

A SimpleMDM account and a ManageEngine Cloud tenant (each a fake on 127.0.0.1 with a
generated fleet) behind one ``Fleet``: inventory by platform and vendor, one app rolled out to
a group in each, a lost phone locked by its serial number, and a bulk refresh of every enrolled
phone with a result table, including the ones the fakes are told to refuse.
"""

from __future__ import annotations

import sys
from collections import Counter

import anyio

from mdmkit import (
    Device,
    DeviceStatus,
    Fleet,
    InstallMode,
    ManageEngine,
    MDMError,
    Platform,
    SimpleMDM,
)
from mdmkit.testing import FakeClock, FakeManageEngine, FakeSimpleMDM, RateLimited, ServerError

FLEET_SIZE = 300


def step(title: str) -> None:
    print(f"\n== {title}")


async def tour(fleet: Fleet, sm_fake: FakeSimpleMDM, me_fake: FakeManageEngine) -> None:
    step("Inventory across both MDMs, merged as the pages arrive")
    table: Counter[tuple[str, str]] = Counter()
    first_source = None
    devices: list[Device] = []
    async for device in fleet.devices.list():
        first_source = first_source or device.source
        table[(device.platform.value, device.source)] += 1
        devices.append(device)
    sources = sorted({source for _, source in table})
    print(f"  {'platform':10s}" + "".join(f"{s:>14s}" for s in sources))
    for platform in sorted({p for p, _ in table}):
        print(f"  {platform:10s}" + "".join(f"{table[(platform, s)]:14d}" for s in sources))
    print(f"  {len(devices)} devices; the first page came from {first_source}")

    step("Roll one app out to a group in each MDM")
    for member, package in (("simplemdm", "FieldNotes.ipa"), ("manageengine", "FieldNotes.apk")):
        app = await fleet.apps.upload(
            b"PK\x03\x04 field notes", member=member, name="Field Notes", filename=package
        )
        group = await fleet.groups.create("Field team", member=member)
        for device in [d for d in devices if d.source == member][:3]:
            await fleet.groups.add_device(group, device)
        made = await fleet.assignments.assign(app, groups=[group], install=InstallMode.AUTOMATIC)
        carrier = made[0].carrier
        print(
            f"  {member:12s} app {app.id} ({app.kind.value}) -> group {group.name!r} ({group.id}),"
            f" carried by {carrier.kind if carrier else '?'} {carrier.name if carrier else ''}"
        )

    step("A user reports a lost phone: find it by serial number and lock it")
    lost = next(
        d for d in devices if d.platform is Platform.ANDROID and d.status is DeviceStatus.ENROLLED
    )
    found = [
        d
        async for d in fleet.devices.list(search=lost.name)
        if d.serial_number == lost.serial_number
    ]
    await fleet.devices.lock(
        found[0], message="Lost phone: please call IT", phone_number="+15555550100"
    )
    print(f"  locked {found[0].name!r} (serial {found[0].serial_number}) on {found[0].source}")

    step("Bulk refresh of every enrolled phone and tablet (some requests are made to fail)")
    phones = [
        d
        for d in devices
        if d.status is DeviceStatus.ENROLLED
        and d.platform in (Platform.IOS, Platform.IPADOS, Platform.ANDROID)
    ]
    sm_fake.faults.add(RateLimited(retry_after=1), route="POST */devices/*/refresh", times=5)
    me_fake.faults.add(ServerError(500), route="POST */actions/scan", times=3)

    def progress(outcome: object, done: int, total: int) -> None:
        if done % 50 == 0 or done == total:
            print(f"    {done}/{total} done")

    result = await fleet.devices.run("refresh", phones, on_progress=progress)
    rows: Counter[tuple[str, str]] = Counter()
    for outcome in result:
        status = "ok" if outcome.ok else type(outcome.error).__name__
        rows[(outcome.target.source, status)] += 1
    print(f"  {'backend':14s}{'outcome':>16s}{'devices':>9s}")
    for (source, status), count in sorted(rows.items()):
        print(f"  {source:14s}{status:>16s}{count:9d}")
    print(f"  {result.summary()}; the 429s were waited out and retried, the 500s were not re-sent")


async def main() -> int:
    clock = FakeClock()  # backoff waits take no real time in the demo
    async with (
        FakeSimpleMDM(devices=FLEET_SIZE, seed=7, clock=clock) as sm_fake,
        FakeManageEngine(devices=FLEET_SIZE, seed=7, clock=clock, upload_delay=2.0) as me_fake,
    ):
        simplemdm = SimpleMDM(
            sm_fake.api_key, base_url=sm_fake.url, clock=clock.time, sleep=clock.sleep
        )
        manageengine = ManageEngine(
            me_fake.client_id,
            me_fake.client_secret,
            me_fake.refresh_token,
            base_url=me_fake.base_url,
            accounts_url=me_fake.accounts_url,
            upload_defaults={"app_category_id": 1, "supported_devices": 3},
            clock=clock.time,
            sleep=clock.sleep,
        )
        async with Fleet(simplemdm, manageengine) as fleet:
            print(f"Fleet of {list(fleet.members)}: {FLEET_SIZE} devices each, on 127.0.0.1")
            try:
                await tour(fleet, sm_fake, me_fake)
            except MDMError as error:
                print(f"tour failed: {error!r}", file=sys.stderr)
                return 1
    print("\nDone.")
    return 0


if __name__ == "__main__":
    sys.exit(anyio.run(main))
