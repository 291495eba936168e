"""Deterministic, realistic generated fleets: devices, groups and an app catalog.

Vendor-neutral: each fake renders these compact records in its own JSON. The same ``seed``
gives the same fleet on every run and machine; serial numbers, UDIDs and ids are unique.
100,000 devices take well under a second or two and little memory (slotted records, vendor
JSON is only built when a fake answers).
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Mapping, Sequence

import attrs

__all__ = [
    "APPLE",
    "AWAITING_ENROLLMENT",
    "DEFAULT_NOW",
    "ENROLLED",
    "MIXED",
    "UNENROLLED",
    "Fleet",
    "GeneratedApp",
    "GeneratedDevice",
    "GeneratedGroup",
    "ModelSpec",
    "generate_apps",
    "generate_device",
    "generate_devices",
    "generate_fleet",
    "generate_groups",
    "installed_app_indices",
]

ENROLLED = "enrolled"
AWAITING_ENROLLMENT = "awaiting_enrollment"
UNENROLLED = "unenrolled"
DEFAULT_NOW = 1_800_000_000.0
DAY = 86_400.0

APPLE: Mapping[str, float] = {"ios": 0.42, "ipados": 0.2, "macos": 0.33, "tvos": 0.05}
"""The platform mix of an Apple-only fleet (SimpleMDM)."""
MIXED: Mapping[str, float] = {
    "ios": 0.25,
    "ipados": 0.1,
    "macos": 0.15,
    "tvos": 0.02,
    "android": 0.28,
    "windows": 0.2,
}
"""A mixed fleet (ManageEngine): Apple, Android and Windows."""


@attrs.frozen
class ModelSpec:
    """One hardware model: how vendors name it and what it has."""

    platform: str
    family: str  # the word in a device name: "iPhone", "MacBook Pro", "Galaxy"
    product_name: str  # Apple's identifier ("iPhone16,2") or the maker's model code
    model_name: str  # the marketing name
    model_number: str
    manufacturer: str
    capacities: tuple[float, ...]
    cellular: bool
    arch: str | None


def _rows(table: str) -> list[list[str]]:
    """The cells of a ``|``-separated text table, one list per line."""
    return [line.split("|") for line in table.strip().splitlines()]


_MODEL_TABLE = """
ios|iPhone|iPhone16,2|iPhone 15 Pro Max|MU683LL|Apple|128,256,512|y|
ios|iPhone|iPhone16,1|iPhone 15 Pro|MTUV3LL|Apple|128,256,512|y|
ios|iPhone|iPhone15,4|iPhone 15|MTLW3LL|Apple|128,256,512|y|
ios|iPhone|iPhone15,5|iPhone 15 Plus|MU0Y3LL|Apple|128,256,512|y|
ios|iPhone|iPhone17,1|iPhone 16 Pro|MYMG3LL|Apple|128,256,512|y|
ios|iPhone|iPhone17,2|iPhone 16 Pro Max|MYWV3LL|Apple|256,512|y|
ios|iPhone|iPhone17,3|iPhone 16|MYAP3LL|Apple|128,256,512|y|
ios|iPhone|iPhone14,7|iPhone 14|MPUF3LL|Apple|128,256|y|
ios|iPhone|iPhone14,6|iPhone SE (3rd generation)|MMXG3LL|Apple|64,128|y|
ipados|iPad|iPad13,16|iPad Air (5th generation)|MM9C3LL|Apple|64,256|n|
ipados|iPad|iPad13,17|iPad Air (5th generation)|MM6R3LL|Apple|64,256|y|
ipados|iPad|iPad14,8|iPad Air 11-inch (M2)|MUWC3LL|Apple|128,256|n|
ipados|iPad|iPad16,3|iPad Pro 11-inch (M4)|MVV83LL|Apple|256,512|n|
ipados|iPad|iPad13,18|iPad (10th generation)|MPQ03LL|Apple|64,256|n|
ipados|iPad|iPad14,1|iPad mini (6th generation)|MK7M3LL|Apple|64,256|n|
macos|MacBook Pro|Mac15,3|MacBook Pro (14-inch, Nov 2023)|MTL73LL|Apple|512,1000|n|arm64
macos|MacBook Pro|Mac16,1|MacBook Pro (14-inch, M4, 2024)|MW2U3LL|Apple|512,1000|n|arm64
macos|MacBook Air|Mac15,12|MacBook Air (13-inch, M3, 2024)|MRXN3LL|Apple|256,512|n|arm64
macos|MacBook Air|Mac14,2|MacBook Air (M2, 2022)|MLY33LL|Apple|256,512|n|arm64
macos|MacBook Air|MacBookAir10,1|MacBook Air (M1, 2020)|MGN63LL|Apple|256,512|n|arm64
macos|Mac mini|Mac14,3|Mac mini (2023)|MMFJ3LL|Apple|256,512|n|arm64
macos|Mac mini|Mac16,10|Mac mini (2024)|MU9D3LL|Apple|256,512|n|arm64
macos|iMac|iMac21,1|iMac (24-inch, M1, 2021)|MGPC3LL|Apple|256,512|n|arm64
macos|iMac|Mac15,4|iMac (24-inch, 2023)|MQRJ3LL|Apple|256,512|n|arm64
macos|MacBook Pro|MacBookPro16,1|MacBook Pro (16-inch, 2019)|MVVJ2LL|Apple|512,1000|n|Intel
tvos|Apple TV|AppleTV14,1|Apple TV 4K (3rd generation)|MN893LL|Apple|64,128|n|
tvos|Apple TV|AppleTV11,1|Apple TV 4K (2nd generation)|MXGY2LL|Apple|32,64|n|
android|Galaxy S24|SM-S921U|Samsung Galaxy S24|SM-S921U|samsung|128,256|y|arm64
android|Galaxy S24|SM-S928U|Samsung Galaxy S24 Ultra|SM-S928U|samsung|256,512|y|arm64
android|Galaxy A54|SM-A546U|Samsung Galaxy A54 5G|SM-A546U|samsung|128|y|arm64
android|Galaxy Tab|SM-X710|Samsung Galaxy Tab S9|SM-X710|samsung|128,256|n|arm64
android|Pixel|shiba|Google Pixel 8|GKWS6|Google|128,256|y|arm64
android|Pixel|husky|Google Pixel 8 Pro|G1MNW|Google|128,256|y|arm64
android|Pixel|tokay|Google Pixel 9|GUR25|Google|128,256|y|arm64
windows|Surface Laptop|Surface Laptop 5|Microsoft Surface Laptop 5|1950|Microsoft|256,512|n|x64
windows|Surface Pro|Surface Pro 9|Microsoft Surface Pro 9|2038|Microsoft|256,512|n|x64
windows|ThinkPad|21HD|Lenovo ThinkPad T14 Gen 4|21HD003XUS|LENOVO|512|n|x64
windows|ThinkPad|21HM|Lenovo ThinkPad X1 Carbon Gen 11|21HM004GUS|LENOVO|512,1000|n|x64
windows|Latitude|Latitude 5440|Dell Latitude 5440|5440|Dell Inc.|256,512|n|x64
"""
"""platform|family|product name|model name|model number|maker|capacities (GB)|cellular|arch"""


def _parse_models(table: str) -> Mapping[str, tuple[ModelSpec, ...]]:
    models: dict[str, list[ModelSpec]] = {}
    for plat, family, product, name, number, maker, caps, cell, arch in _rows(table):
        spec = ModelSpec(
            plat,
            family,
            product,
            name,
            number,
            maker,
            tuple(float(c) for c in caps.split(",")),
            cell == "y",
            arch or None,
        )
        models.setdefault(plat, []).append(spec)
    return {plat: tuple(specs) for plat, specs in models.items()}


MODELS = _parse_models(_MODEL_TABLE)

_OS_TABLE = """
ios|17.6.1 21G93|17.7 21H16|18.0.1 22A3370|18.1 22B83|18.2 22C152|18.3.1 22D72
ipados|17.6.1 21G93|17.7 21H16|18.1 22B83|18.2 22C152|18.3.1 22D72
macos|14.6.1 23G93|14.7 23H124|15.0.1 24A348|15.1 24B83|15.2 24C101|15.3 24D60
tvos|17.6 21M71|18.1 22J580|18.2 22K157
android|14 UP1A.231005.007|14 AP2A.240805.005|15 AP3A.241005.015
windows|10.0.22631.4317 22631|10.0.22631.4460 22631|10.0.26100.2314 26100|10.0.19045.5011 19045
"""
"""platform|version build|... (the versions a generated device may run)"""

OS_VERSIONS: Mapping[str, tuple[tuple[str, str], ...]] = {
    row[0]: tuple((v.split()[0], v.split()[1]) for v in row[1:]) for row in _rows(_OS_TABLE)
}
FIRST_NAMES = (
    "Mike", "Sara", "Ashley", "David", "Priya", "Chen", "Fatima", "Lucas", "Emma", "Noah",
    "Olivia", "Liam", "Ava", "Mateo", "Sofia", "Ethan", "Mia", "James", "Amara", "Yuki",
    "Kofi", "Ingrid", "Raj", "Elena", "Omar", "Hannah", "Diego", "Grace", "Tariq", "Zoe",
    "Ben", "Chloe", "Daniel", "Nora", "Samuel", "Leah", "Victor", "Isla", "Hugo", "Maya",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Garcia", "Chen", "Patel", "Johnson", "Nguyen", "Kim", "Müller", "Rossi", "Silva",
    "Brown", "Okafor", "Haddad", "Novak", "Tanaka", "Larsen", "Cohen", "Dubois", "Kowalski",
    "Reyes", "Walker", "Singh", "Ivanova", "Murphy", "Andersson", "Costa", "Ali", "Schmidt",
    "Lopez", "Young",
)  # fmt: skip
ROOMS = ("Lobby", "Board Room", "Conference Room", "Break Room", "Training Room", "Showroom")
GROUP_NAMES = (
    "Sales", "Engineering", "Kiosks", "Marketing", "Support", "Executives", "Finance",
    "Design", "Operations", "Remote Employees", "Warehouse", "Loaners", "Legal", "HR",
)  # fmt: skip
SERIAL_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I, no O
CARRIERS = (("Verizon", "311", "480"), ("AT&T", "310", "410"), ("T-Mobile", "310", "260"))


@attrs.frozen(slots=True)
class GeneratedDevice:
    """One device: identity, hardware, owner, enrollment status and group membership."""

    id: int
    platform: str
    model: ModelSpec
    serial_number: str
    udid: str
    imei: str | None
    phone_number: str | None
    os_version: str
    build_version: str
    name: str
    owner_name: str | None
    owner_email: str | None
    status: str
    enrolled_at: float | None
    last_seen_at: float | None
    groups: tuple[int, ...]  # indexes into Fleet.groups; the first is the primary group
    supervised: bool
    dep: bool
    salt: int  # 64 random bits from which fakes derive minor values (MACs, battery...)

    @property
    def wifi_mac(self) -> str:
        return _mac(self.salt)

    @property
    def bluetooth_mac(self) -> str:
        return _mac(self.salt + 1)

    @property
    def capacity(self) -> float:
        """Storage in GB."""
        caps = self.model.capacities
        return caps[self.salt % len(caps)]

    @property
    def available_capacity(self) -> float:
        return round(self.capacity * (0.15 + (self.salt >> 8) % 70 / 100), 2)

    @property
    def battery_level(self) -> int:
        return 20 + (self.salt >> 16) % 81

    @property
    def ip_address(self) -> str:
        return f"198.51.100.{(self.salt >> 24) % 254 + 1}"

    @property
    def carrier(self) -> tuple[str, str, str]:
        """(carrier name, MCC, MNC) for a device with a SIM."""
        return CARRIERS[(self.salt >> 32) % len(CARRIERS)]


@attrs.frozen
class GeneratedGroup:
    """A group of devices, by name."""

    index: int
    name: str


@attrs.frozen
class GeneratedApp:
    """A catalog app: store apps have a store id, enterprise apps a binary."""

    index: int
    name: str
    bundle_id: str
    version: str
    kind: str  # "store" | "enterprise"
    platform: str  # "ios" | "macos" | "android" | "windows"
    store_id: int | None
    size: int
    popularity: float  # share of matching devices that have it installed


@attrs.frozen
class Fleet:
    """A generated fleet: devices (ids ascending), groups and an app catalog."""

    seed: int
    now: float
    devices: tuple[GeneratedDevice, ...]
    groups: tuple[GeneratedGroup, ...]
    apps: tuple[GeneratedApp, ...]


def _mac(bits: int) -> str:
    b = (bits & 0xFFFFFFFFFFFF) | 0x020000000000  # locally administered
    return ":".join(f"{(b >> s) & 0xFF:02x}" for s in range(40, -1, -8))


_DOUBLED = {str(d): (2 * d) - (9 if d > 4 else 0) for d in range(10)}


def _luhn(digits: str) -> str:
    """Append the Luhn check digit (IMEIs end in one)."""
    total = sum(map(_DOUBLED.__getitem__, digits[::-2])) + sum(map(int, digits[-2::-2]))
    return digits + str((10 - total % 10) % 10)


def _weights(platforms: Mapping[str, float] | Sequence[str] | None) -> Mapping[str, float]:
    if platforms is None:
        return APPLE
    chosen = dict(platforms) if isinstance(platforms, Mapping) else dict.fromkeys(platforms, 1.0)
    unknown = set(chosen) - set(MODELS)
    if unknown or not chosen:
        raise ValueError(f"unknown or empty platforms {sorted(unknown)}; known: {sorted(MODELS)}")
    return chosen


def generate_groups(names: int | Sequence[str] | None = None) -> tuple[GeneratedGroup, ...]:
    """Group records from names, or the first ``names`` of a built-in list (default 8)."""
    if names is None:
        names = 8
    if isinstance(names, int):
        pool = list(GROUP_NAMES) + [
            f"Team {n}" for n in range(1, max(0, names - len(GROUP_NAMES)) + 1)
        ]
        names = pool[:names]
    return tuple(GeneratedGroup(i, name) for i, name in enumerate(names))


def generate_devices(
    count: int,
    *,
    seed: int = 0,
    platforms: Mapping[str, float] | Sequence[str] | None = None,
    groups: int = 8,
    now: float = DEFAULT_NOW,
    start_id: int = 1,
) -> tuple[GeneratedDevice, ...]:
    """``count`` devices with ids ``start_id``, ``start_id + 1``, ...; deterministic per seed."""
    if count < 0:
        raise ValueError("count must not be negative")
    rng = random.Random(f"devices:{seed}")
    weights = _weights(platforms)
    names = list(weights)
    cumulative = list(itertools.accumulate(weights[n] for n in names))
    total = cumulative[-1]
    serials: set[str] = set()
    udids: set[str] = set()
    rand, bits = rng.random, rng.getrandbits
    out: list[GeneratedDevice] = []
    for i in range(count):
        platform = names[bisect.bisect(cumulative, rand() * total)]
        models = MODELS[platform]
        model = models[bits(16) % len(models)]
        versions = OS_VERSIONS[platform]
        os_version, build = versions[bits(16) % len(versions)]
        serial = _serial(platform, rng)
        while serial in serials:
            serial = _serial(platform, rng)
        serials.add(serial)
        udid = _udid(platform, rng)
        while udid in udids:
            udid = _udid(platform, rng)
        udids.add(udid)
        imei = phone = None
        if model.cellular:
            imei = _luhn(f"35{bits(40) % 10**12:012d}")
            phone = f"+1{bits(32) % 800 + 200}555{bits(16) % 10000:04d}"
        first, last = (
            FIRST_NAMES[bits(16) % len(FIRST_NAMES)],
            LAST_NAMES[bits(16) % len(LAST_NAMES)],
        )
        if platform == "tvos":
            name, owner, email = f"{ROOMS[bits(8) % len(ROOMS)]} {model.family}", None, None
        else:
            name = f"{first}'s {model.family}"
            owner, email = (
                f"{first} {last}",
                f"{first}.{last}@example.com".lower().replace("ü", "u"),
            )
        roll = rand()
        if roll < 0.92:
            status = ENROLLED
            enrolled = now - DAY - rand() * 900 * DAY
            seen: float | None = now - min(rng.expovariate(1 / 7200.0), now - enrolled - 60)
        elif roll < 0.97:
            status, enrolled, seen = AWAITING_ENROLLMENT, None, None
        else:
            status = UNENROLLED
            enrolled = now - 400 * DAY - rand() * 500 * DAY
            seen = enrolled + rand() * 300 * DAY
        primary = bits(16) % groups if groups else None
        member: tuple[int, ...] = () if primary is None else (primary,)
        if primary is not None and groups > 1 and rand() < 0.15:
            member += ((primary + 1 + bits(16) % (groups - 1)) % groups,)
        out.append(
            GeneratedDevice(
                start_id + i,
                platform,
                model,
                serial,
                udid,
                imei,
                phone,
                os_version,
                build,
                name,
                owner,
                email,
                status,
                enrolled if status != AWAITING_ENROLLMENT else None,
                seen,
                member,
                rand() < 0.8,
                rand() < 0.5,
                bits(64),
            )
        )
    return tuple(out)


def generate_device(
    fleet: Fleet, device_id: int, platform: str, *, status: str = ENROLLED, now: float
) -> GeneratedDevice:
    """One more device for ``fleet`` (deterministic per fleet seed and id) joining at ``now``.

    Enrolled and unenrolled devices enrolled a day before ``now`` and were last seen a
    minute before it; a device awaiting enrollment has neither time.
    """
    seed = fleet.seed * 1_000_003 + device_id
    (gen,) = generate_devices(1, seed=seed, platforms=[platform], start_id=device_id, now=now)
    joined = status != AWAITING_ENROLLMENT
    return attrs.evolve(
        gen,
        status=status,
        enrolled_at=now - DAY if joined else None,
        last_seen_at=now - 60 if joined else None,
    )


_PAIRS = tuple(a + b for a in SERIAL_ALPHABET[:32] for b in SERIAL_ALPHABET[:32])


def _serial(platform: str, rng: random.Random) -> str:
    """Apple-style 12 characters (no I or O); Samsung- and Lenovo-style for the others."""
    x = rng.getrandbits(60)
    p = _PAIRS
    text = p[x & 1023] + p[(x >> 10) & 1023] + p[(x >> 20) & 1023] + p[(x >> 30) & 1023]
    text += p[(x >> 40) & 1023] + p[(x >> 50) & 1023]
    if platform == "android":
        return "R5C" + text[:8]
    if platform == "windows":
        return "PF" + text[:6]
    return text


def _udid(platform: str, rng: random.Random) -> str:
    if platform in ("ios", "ipados", "tvos"):
        return f"00008{rng.getrandbits(12):03X}-{rng.getrandbits(64):016X}"
    if platform == "android":
        return f"{rng.getrandbits(64):016x}"
    h = f"{rng.getrandbits(128):032X}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_APP_TABLE = """
Slack|com.tinyspeck.chatlyio|24.11.10|store|ios|618783545|280|0.7
Zoom Workplace|us.zoom.videomeetings|6.2.11|store|ios|546505307|310|0.6
Microsoft Teams|com.microsoft.skype.teams|6.24.1|store|ios|1113153706|330|0.5
Microsoft Outlook|com.microsoft.Office.Outlook|4.2447.0|store|ios|951937596|420|0.6
Microsoft Word|com.microsoft.Office.Word|2.91|store|ios|586447913|390|0.3
Microsoft Excel|com.microsoft.Office.Excel|2.91|store|ios|586683407|400|0.3
Google Chrome|com.google.chrome.ios|131.0.6778.73|store|ios|535886823|160|0.4
1Password 8|com.1password.1password|8.10.46|store|ios|1511601750|120|0.5
Okta Verify|com.okta.mobile|9.30.0|store|ios|490179405|90|0.6
Microsoft Authenticator|com.microsoft.azureauthenticator|6.8.17|store|ios|983156458|110|0.3
Salesforce|com.salesforce.chatter|252.020|store|ios|404249815|150|0.2
Box|net.box.BoxNet|5.47.1|store|ios|290853822|140|0.15
Dropbox|com.getdropbox.Dropbox|384.2|store|ios|327630330|260|0.15
Notion|notion.id|1.5.11|store|ios|1232780281|80|0.2
Adobe Acrobat Reader|com.adobe.Adobe-Reader|24.11.0|store|ios|469337564|330|0.3
DocuSign|com.docusign.ink|4.6.0|store|ios|474990205|150|0.15
Jira Cloud|com.atlassian.jira.jiracloud|137.1.0|store|ios|1006972087|120|0.2
Webex|com.cisco.webex.meetings|44.11.0|store|ios|298844386|270|0.1
Keynote|com.apple.Keynote|14.2|store|ios|361285480|700|0.25
Afterlight|com.simonfilip.AfterGlow|6.3.2|store|ios|573116090|95|0.05
Xcode|com.apple.dt.Xcode|16.1|store|macos|497799835|3100|0.3
Magnet|com.crowdcafe.windowmagnet|2.14.0|store|macos|441258766|10|0.2
Slack|com.tinyspeck.slackmacgap|4.41.105|store|macos|803453959|250|0.75
Google Chrome|com.google.Chrome|131.0.6778.86|enterprise|macos||640|0.7
Mozilla Firefox|org.mozilla.firefox|133.0|enterprise|macos||370|0.2
zoom.us|us.zoom.xos|6.2.11.43613|enterprise|macos||330|0.6
Microsoft Office|com.microsoft.office.licensingV2.helper|16.91|enterprise|macos||2400|0.4
Surf Report|com.portlandsurfclub.ent.surfreport2.2|2.2|enterprise|ios||30|0.05
Acme Field Service|com.acme.fieldservice|3.4.1|enterprise|ios||45|0.2
Acme Inventory|com.acme.inventory|1.9.0|enterprise|ios||38|0.1
Acme VPN Helper|com.acme.vpnhelper|2.0.3|enterprise|macos||22|0.5
Slack|com.Slack|24.11.10.0|store|android||110|0.6
Microsoft Teams|com.microsoft.teams|1416/1.0.0.2024|store|android||190|0.5
Chrome|com.android.chrome|131.0.6778.81|store|android||260|0.9
Okta Verify|com.okta.android.auth|9.29.0|store|android||70|0.5
Company Portal|Microsoft.CompanyPortal|11.2.1002.0|store|windows||90|0.6
Microsoft Teams|MSTeams|24295.605.3225.8804|enterprise|windows||400|0.7
7-Zip|7zip.7zip|24.08|enterprise|windows||2|0.3
"""
"""name|bundle id|version|kind|platform|store id|size (MB)|popularity (share installed)"""


def generate_apps(
    count: int | None = None, *, platforms: Mapping[str, float] | Sequence[str] | None = None
) -> tuple[GeneratedApp, ...]:
    """Real-looking catalog apps for the platforms (default Apple); ``count`` caps or pads it."""
    wanted = set(_weights(platforms))
    wanted |= {"ios"} if "ipados" in wanted or "tvos" in wanted else set()
    rows = [row for row in _rows(_APP_TABLE) if row[4] in wanted]
    if count is not None:
        pad = max(0, count - len(rows))
        rows = rows[:count] + [
            [
                f"Acme Tool {n}",
                f"com.acme.tool{n}",
                f"1.{n}.0",
                "enterprise",
                "ios",
                "",
                "12",
                "0.05",
            ]
            for n in range(1, pad + 1)
        ]
    return tuple(
        GeneratedApp(
            i,
            name,
            bundle,
            version,
            kind,
            platform,
            int(store) if store else None,
            int(size) * 1_048_576,
            float(pop),
        )
        for i, (name, bundle, version, kind, platform, store, size, pop) in enumerate(rows)
    )


def installed_app_indices(device: GeneratedDevice, apps: Sequence[GeneratedApp]) -> list[int]:
    """Which catalog apps (by index) the device has installed; deterministic per device."""
    if device.status == AWAITING_ENROLLMENT:
        return []
    platform = "ios" if device.platform in ("ipados", "tvos") else device.platform
    rng = random.Random(device.salt)
    return [a.index for a in apps if a.platform == platform and rng.random() < a.popularity]


def generate_fleet(
    devices: int = 250,
    *,
    seed: int = 0,
    platforms: Mapping[str, float] | Sequence[str] | None = None,
    groups: int | Sequence[str] | None = None,
    apps: int | None = None,
    now: float = DEFAULT_NOW,
    start_id: int = 1,
) -> Fleet:
    """A whole fleet: ``devices`` devices, named groups and an app catalog, from ``seed``."""
    group_records = generate_groups(groups)
    return Fleet(
        seed=seed,
        now=now,
        devices=generate_devices(
            devices,
            seed=seed,
            platforms=platforms,
            groups=len(group_records),
            now=now,
            start_id=start_id,
        ),
        groups=group_records,
        apps=generate_apps(apps, platforms=platforms),
    )
