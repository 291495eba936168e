"""``FakeSimpleMDM``: the SimpleMDM API v1 as a stateful local aiohttp server.

Written from SimpleMDM's API reference, never from mdmkit's client::

    async with FakeSimpleMDM(devices=250, seed=1) as fake:
        fake.url, fake.api_key          # base URL (with /api/v1) and the Basic-auth user name
        fake.faults.add(RateLimited(retry_after=1), route="POST */devices/*/lock")
        fake.state.devices[121].lock_count
        fake.webhooks.register(receiver_url)  # then changes are POSTed there as webhooks
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from aiohttp import web

from mdmkit.testing._server import Body, Clock, FakeServer, Problem, Route, SystemClock
from mdmkit.testing.faults import Throttle
from mdmkit.testing.fleetgen import APPLE, ENROLLED, generate_device, generate_fleet
from mdmkit.testing.simplemdm import (
    apps,
    attributes,
    commands,
    devices,
    events,
    groups,
    inventory,
    misc,
    profiles,
    scripts,
)
from mdmkit.testing.simplemdm.build import build_state
from mdmkit.testing.simplemdm.common import error_body
from mdmkit.testing.simplemdm.records import (
    AWAITING,
    App,
    AssignmentGroup,
    CustomAttribute,
    Device,
    Script,
)
from mdmkit.testing.simplemdm.state import SimpleMDMState
from mdmkit.testing.simplemdm.webhook_control import WEBHOOK_ENDPOINTS, webhook_routes
from mdmkit.testing.simplemdm.webhooks import FakeWebhooks

if TYPE_CHECKING:  # annotations only: the fake never runs client code
    from mdmkit.simplemdm import SimpleMDM, SimpleMDMClient

__all__ = ["FakeSimpleMDM"]

_SECTIONS = (misc, apps, attributes, commands, devices, groups, inventory, profiles, scripts)
_STATUS = {"enrolled": ENROLLED, "unenrolled": "unenrolled"}


class FakeSimpleMDM(FakeServer[SimpleMDMState]):
    """A fake SimpleMDM account with ``devices`` generated Apple devices (deterministic per seed).

    ``new_groups`` picks the New Groups Experience (static assignment groups holding devices;
    no legacy device groups, so ``GET /device_groups`` lists none) or the classic account
    (device groups, and standard/munki assignment groups carrying apps to device groups and
    devices). ``clock`` is anything with ``time()`` (a FakeClock in tests); it drives
    timestamps and the sync_profiles window.
    ``requests_per_second`` (off by default) limits the account as a whole: the excess is
    answered 429 with ``Retry-After`` (see ``fake.throttle``, a :class:`Throttle`).
    ``webhooks`` delivers SimpleMDM's webhook events to the URLs registered with it (see
    ``FakeWebhooks``).
    """

    prefix = "/api/v1"

    def __init__(
        self,
        devices: int = 250,
        *,
        seed: int = 0,
        api_key: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        apps: int | None = None,
        groups: int | Sequence[str] | None = None,
        clock: Clock | None = None,
        new_groups: bool = True,
        requests_per_second: float | None = None,
    ) -> None:
        clock = clock if clock is not None else SystemClock()
        fleet = generate_fleet(
            devices, seed=seed, platforms=APPLE, groups=groups, apps=apps, now=clock.time()
        )
        super().__init__(
            build_state(fleet, new_groups=new_groups),
            error_body=error_body,
            host=host,
            port=port,
            clock=clock,
        )
        self.api_key: str = api_key if api_key is not None else secrets.token_hex(32)
        self.throttle: Throttle | None = None
        if requests_per_second is not None:
            self.throttle = self.faults.throttle(requests_per_second)
        self.webhooks: FakeWebhooks = FakeWebhooks(self.clock, errors=self.errors)
        self.state = self.state  # now that there is a sender to announce changes to

    @property
    def state(self) -> SimpleMDMState:
        """The account. Whatever state the fake holds (built, restored from a snapshot, or
        rebuilt by a reset) announces its changes to this fake's ``webhooks``."""
        return self._state

    @state.setter
    def state(self, value: SimpleMDMState) -> None:
        webhooks: FakeWebhooks | None = getattr(self, "webhooks", None)  # None in __init__
        value.listeners = [webhooks.notify] if webhooks is not None else []
        self._state = value

    async def start(self) -> None:
        """Bind the socket, start serving and start delivering webhooks."""
        await super().start()
        self.webhooks.start()

    async def close(self) -> None:
        """Stop delivering webhooks (pending ones are abandoned), then stop serving."""
        await self.webhooks.aclose()
        await super().close()

    @property
    def url(self) -> str:
        """The API base URL, ``http://127.0.0.1:<port>/api/v1``."""
        return self.root_url + self.prefix

    def client(self, **options: Any) -> SimpleMDMClient:
        """A new ``SimpleMDMClient`` on this fake (URL, API key, and the clock when it is a
        FakeClock); ``options`` are the client's. Use it as ``async with fake.client() as sm:``."""
        from mdmkit.testing.wiring import simplemdm_client  # the fake imports no client code

        return simplemdm_client(self, **options)

    def mdm(self, **options: Any) -> SimpleMDM:
        """A new neutral ``SimpleMDM`` on this fake, wired like ``client()``."""
        from mdmkit.testing.wiring import simplemdm_mdm

        return simplemdm_mdm(self, **options)

    def authenticate(self, request: web.Request) -> bool:
        """HTTP Basic with the API key as user name and an empty password."""
        header = request.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        user, sep, password = decoded.partition(":")
        return bool(sep) and password == "" and secrets.compare_digest(user, self.api_key)

    def unauthorized_message(self) -> str:
        return "Unauthorized"

    def routes(self) -> Iterable[Route[SimpleMDMState]]:
        """Every endpoint, also with a trailing slash: the service (and the reference's own
        curl examples) treat ``/devices/`` like ``/devices``."""
        for section in _SECTIONS:
            for route in section.routes.routes:
                yield route
                yield Route(route.method, route.path + "/", route.handler)

    def control_extras(self) -> tuple[dict[str, str], list[web.RouteDef]]:
        """The webhooks under ``/_fake/webhooks`` (``webhook_control.py``)."""
        return WEBHOOK_ENDPOINTS, webhook_routes(self.webhooks)

    def check_body(self, body: Body) -> None:
        """A body labelled JSON that does not parse (multipart sent as JSON, say) is a 400,
        as the service refuses it, never read as an empty request."""
        if body.json_error:
            raise Problem(400, "the request body is not valid JSON")

    # -- test setup helpers ---------------------------------------------------------------------

    def add_device(
        self,
        name: str | None = None,
        *,
        platform: str = "ios",
        status: str = "enrolled",
        group_ids: Iterable[int] = (),
        device_group_id: int | None = None,
    ) -> Device:
        """Add a device: ``awaiting enrollment`` (as the API creates it) or a generated
        ``enrolled``/``unenrolled`` device of ``platform`` (ios, ipados, macos, tvos). An
        enrolled one sends the ``device.enrolled`` webhook."""
        state = self.state
        if status == "awaiting enrollment":
            static = list(group_ids)
            new = name or "New Device"
            return devices.create_device(
                state, new, group_id=device_group_id, static_group_ids=static
            )
        device_id = state.devices.next_id()
        now = self.clock.time()
        gen = generate_device(
            state.fleet, device_id, platform, status=_STATUS.get(status, status), now=now
        )
        device = Device(
            device_id,
            name or gen.name,
            status,
            gen,
            device_name=gen.name,
            device_group_id=device_group_id,
            enrolled_at=gen.enrolled_at,
            last_seen_at=gen.last_seen_at,
        )
        state.devices.add(device_id, device)
        for gid in group_ids:
            state.assignment_groups[gid].device_ids.add(device_id)
        if status == "enrolled":
            events.device_event(state, now, "device.enrolled", device)
        return device

    def enroll(self, device: Device | int, *, platform: str = "ios") -> Device:
        """Enroll a device awaiting enrollment (as one created by ``POST /devices``): it gets
        generated hardware of ``platform`` and is ``enrolled``; sends ``device.enrolled``."""
        record = self.state.devices[device if isinstance(device, int) else device.id]
        if record.status != AWAITING:
            raise ValueError(f"device {record.id} is {record.status}, not awaiting enrollment")
        now = self.clock.time()
        gen = generate_device(self.state.fleet, record.id, platform, status=ENROLLED, now=now)
        record.gen, record.status = gen, "enrolled"
        record.device_name, record.enrollment_url = gen.name, None
        record.enrolled_at = record.last_seen_at = now
        self.state.log(now, "device.enrolled", source="device", device=record)
        events.device_event(self.state, now, "device.enrolled", record)
        return record

    def add_app(
        self,
        name: str,
        *,
        app_type: str = "app store",
        bundle_identifier: str | None = None,
        itunes_store_id: int | None = None,
        version: str | None = "1.0",
        platform_support: str = "iOS",
        shared: bool = False,
    ) -> App:
        """Add an app to the catalog (``shared``: of the shared catalog, listed only with
        ``include_shared=true`` and read as ``app_type`` "shared")."""
        state = self.state
        app_id = state.apps.next_id()
        bundle = bundle_identifier or f"com.example.{name.lower().replace(' ', '')}"
        app = App(app_id, name, app_type, bundle, itunes_store_id, version, platform_support)
        app.shared = shared
        app.created_at = app.updated_at = self.clock.time()
        return state.apps.add(app_id, app)

    def add_assignment_group(
        self,
        name: str,
        *,
        type: str | None = None,
        app_ids: Iterable[int] = (),
        device_ids: Iterable[int] = (),
        device_group_ids: Iterable[int] = (),
        media_ids: Iterable[int] = (),
        auto_deploy: bool = True,
        install_type: str = "managed",
    ) -> AssignmentGroup:
        """Add an assignment group (``static`` under NGE, else ``standard``, unless ``type``)."""
        state = self.state
        group = state.new_assignment_group(name, type)
        group.app_ids = list(app_ids)
        group.device_ids = set(device_ids)
        group.device_group_ids = list(device_group_ids)
        group.media_ids = list(media_ids)
        group.auto_deploy, group.install_type = auto_deploy, install_type
        return state.assignment_groups.add(group.id, group)

    def add_custom_attribute(
        self, name: str, default_value: str | None = None, *, secret: bool = False
    ) -> CustomAttribute:
        """Add a custom attribute (``secret`` ones read as empty strings unless asked)."""
        attribute = CustomAttribute(name.lower(), default_value, secret)
        return self.state.custom_attributes.add(attribute.name, attribute)

    def add_script(self, name: str, content: str, *, variable_support: bool = False) -> Script:
        """Add a script."""
        now = self.clock.time()
        script = Script(self.state.scripts.next_id(), name, content, variable_support, now, now)
        return self.state.scripts.add(script.id, script)
