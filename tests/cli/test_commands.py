"""Every command against the fakes (``mdmkit fake`` processes), called in-process for speed:
exit codes, what reaches stdout and stderr, and what the fake received (its request log,
read through the control endpoints)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import FakeProcess, InProcess

SM_DEVICES, ME_DEVICES = 30, 40


def records(fake: FakeProcess, table: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = fake.control(f"/state/{table}?limit=1000")["records"]
    return found


def platform_of(record: dict[str, Any]) -> str:
    gen = record.get("gen") or {}
    return str(gen.get("platform"))


def ios_ids(fake: FakeProcess, n: int) -> list[str]:
    return [str(r["id"]) for r in records(fake, "devices") if platform_of(r) == "ios"][:n]


def secrets_of(*fakes: FakeProcess) -> list[str]:
    values = []
    for fake in fakes:
        values += [
            v
            for k, v in fake.connection.items()
            if k in ("api_key", "client_secret", "refresh_token")
        ]
    return values


@pytest.fixture
def both(cli: InProcess, sm: FakeProcess, me: FakeProcess) -> InProcess:
    cli.use(sm.env)
    cli.use(me.env)
    return cli


class TTY(io.StringIO):
    """A stdin that says it is a terminal, with the answer already typed."""

    def isatty(self) -> bool:
        return True


# -- configuration ---------------------------------------------------------------------------


def test_nothing_configured_is_a_configuration_error_with_the_way_out(cli: InProcess) -> None:
    result = cli("devices", "list", "-f", "csv")
    assert result.code == 3
    assert "mdmkit: error: no backend is configured" in result.err
    assert "hint: set SIMPLEMDM_API_KEY" in result.err
    assert "Traceback" not in result.err


def test_config_check_says_what_is_configured_and_that_it_authenticates(
    both: InProcess, sm: FakeProcess, me: FakeProcess
) -> None:
    result = both("config", "check")
    assert result.code == 0, result.err
    assert "configuration: the environment" in result.out
    assert "simplemdm: ok, authenticated (account 'Example Inc.')" in result.out
    assert f"manageengine: ok, authenticated ({ME_DEVICES} devices)" in result.out
    assert "SIMPLEMDM_API_KEY" in result.out  # the variable's name, never its value
    for secret in secrets_of(sm, me):
        assert secret not in result.out + result.err


def test_config_check_reports_a_refused_key_as_a_configuration_error(
    cli: InProcess, sm: FakeProcess
) -> None:
    cli.use({**sm.env, "SIMPLEMDM_API_KEY": "wrong-key-123"})
    result = cli("config", "check")
    assert result.code == 3
    assert "simplemdm: FAILED AuthenticationError" in result.out
    assert "wrong-key-123" not in result.out + result.err


def write_config(home: Path, text: str) -> Path:
    path = home / ".config" / "mdmkit" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_config_file_with_secrets_from_env_file_and_command(
    cli: InProcess, sm: FakeProcess, me: FakeProcess, home: Path
) -> None:
    secret = home / "me.secret"
    secret.write_text(me.connection["client_secret"] + "\n")
    secret.chmod(0o600)
    write_config(
        home,
        f'''
[backends.lab]
vendor = "simplemdm"
base_url = "{sm.connection["url"]}"
api_key = {{ env = "LAB_KEY" }}

[backends.eu]
vendor = "manageengine"
base_url = "{me.connection["url"]}"
accounts_url = "{me.connection["accounts_url"]}"
client_id = "{me.connection["client_id"]}"
client_secret = {{ file = "{secret}" }}
refresh_token = {{ command = ["echo", "{me.connection["refresh_token"]}"] }}
token_cache = false
''',
    )
    cli.use({"LAB_KEY": sm.connection["api_key"]})
    offline = cli("config", "check", "--offline")
    assert offline.code == 0
    assert "api_key: environment variable LAB_KEY" in offline.out
    assert f"client_secret: file {secret}" in offline.out
    assert "refresh_token: command echo" in offline.out
    assert sm.requests() == []
    assert me.requests() == []
    checked = cli("config", "check")
    assert checked.code == 0, checked.out + checked.err
    assert "lab: ok" in checked.out
    assert "eu: ok" in checked.out
    listed = cli("devices", "list", "-f", "csv", "--backend", "lab")
    assert {row["backend"] for row in csv.DictReader(io.StringIO(listed.out))} == {"lab"}


def test_config_check_reports_each_backend_even_when_one_has_no_secret(
    cli: InProcess, sm: FakeProcess, home: Path
) -> None:
    url = sm.connection["url"]
    write_config(
        home,
        f'[backends.good]\nvendor = "simplemdm"\nbase_url = "{url}"\napi_key = {{ env = "KEY" }}\n'
        f'[backends.bad]\nvendor = "simplemdm"\nbase_url = "{url}"\napi_key = {{ env = "NOPE" }}\n',
    )
    cli.use({"KEY": sm.connection["api_key"]})
    result = cli("config", "check")
    assert result.code == 3
    assert "good: ok, authenticated" in result.out
    assert "bad: FAILED ConfigError: environment variable NOPE is not set" in result.out


def test_an_on_premises_server_from_the_config_file(cli: InProcess, home: Path) -> None:
    onprem = FakeProcess.start("manageengine", "--on-premises", "--devices", "5", "--seed", "4")
    try:
        url = onprem.connection["url"]
        write_config(
            home,
            f'[backends.plant]\nvendor = "manageengine"\nserver_url = "{url}"\n'
            'api_key = { env = "PLANT_KEY" }\n',
        )
        cli.use({"PLANT_KEY": onprem.connection["api_key"]})
        checked = cli("config", "check")
        assert checked.code == 0, checked.out
        assert "plant: manageengine on-premises" in checked.out
        assert "plant: ok, authenticated (5 devices)" in checked.out
        assert onprem.connection["api_key"] not in checked.out
    finally:
        onprem.stop()


def test_a_setting_the_sdk_refuses_names_the_backend(cli: InProcess, home: Path) -> None:
    write_config(
        home,
        '[backends.far]\nvendor = "simplemdm"\nbase_url = "http://mdm.example.com/api/v1"\n'
        'api_key = { env = "FAR_KEY" }\n',
    )
    cli.use({"FAR_KEY": "k"})
    result = cli("devices", "list", "-f", "csv")
    assert result.code == 3
    assert "mdmkit: error: backend 'far': " in result.err
    assert "http://" in result.err


def test_a_secret_file_others_can_read_is_refused(
    cli: InProcess, sm: FakeProcess, home: Path
) -> None:
    secret = home / "key"
    secret.write_text(sm.connection["api_key"])
    secret.chmod(0o644)
    url = sm.connection["url"]
    write_config(
        home,
        f'[backends.a]\nvendor = "simplemdm"\nbase_url = "{url}"\n'
        f'api_key = {{ file = "{secret}" }}\n',
    )
    result = cli("devices", "list", "-f", "csv")
    assert result.code == 3
    assert "can be read by others (mode 0644)" in result.err
    assert f"hint: chmod 600 {secret}" in result.err
    assert sm.requests() == []


def test_two_tenants_of_one_vendor_in_one_listing(
    cli: InProcess, sm: FakeProcess, home: Path
) -> None:
    other = FakeProcess.start("simplemdm", "--devices", "7", "--seed", "9")
    try:
        write_config(home, "".join(
            f'[backends.{name}]\nvendor = "simplemdm"\nbase_url = "{fake.connection["url"]}"\n'
            f'api_key = {{ env = "{name.upper()}_KEY" }}\n'
            for name, fake in (("north", sm), ("south", other))
        ))  # fmt: skip
        cli.use({"NORTH_KEY": sm.connection["api_key"], "SOUTH_KEY": other.connection["api_key"]})
        result = cli("devices", "list", "-f", "jsonl")
        assert result.code == 0, result.err
        counts: dict[str, int] = {}
        for line in result.out.splitlines():
            backend = json.loads(line)["backend"]
            counts[backend] = counts.get(backend, 0) + 1
        assert counts == {"north": SM_DEVICES, "south": 7}
        ambiguous = cli("devices", "refresh", "1", "--dry-run")
        assert ambiguous.code == 2
        assert "device 1 does not say its backend" in ambiguous.err
    finally:
        other.stop()


def test_config_example_prints_a_file_that_parses(cli: InProcess) -> None:
    import tomllib

    result = cli("config", "example")
    assert result.code == 0
    assert "backends" in tomllib.loads(result.out)


# -- devices list and get --------------------------------------------------------------------


def test_devices_list_merges_every_backend_in_each_format(both: InProcess) -> None:
    out = {fmt: both("devices", "list", "-f", fmt) for fmt in ("csv", "json", "jsonl")}
    assert all(r.code == 0 for r in out.values())
    from_csv = list(csv.DictReader(io.StringIO(out["csv"].out)))
    from_json = json.loads(out["json"].out)
    from_jsonl = [json.loads(line) for line in out["jsonl"].out.splitlines()]
    assert len(from_csv) == len(from_json) == len(from_jsonl) == SM_DEVICES + ME_DEVICES
    assert {r["backend"] for r in from_csv} == {"simplemdm", "manageengine"}
    key = sorted((r["backend"], r["id"]) for r in from_json)
    assert key == sorted((r["backend"], r["id"]) for r in from_jsonl)
    assert key == sorted((r["backend"], r["id"]) for r in from_csv)


def test_devices_list_filters_by_platform_search_and_backend(
    both: InProcess, sm: FakeProcess
) -> None:
    every = json.loads(both("devices", "list", "-f", "json").out)
    macs = json.loads(both("devices", "list", "-f", "json", "--platform", "macOS").out)
    assert macs
    assert sorted(d["id"] for d in macs) == sorted(
        d["id"] for d in every if d["platform"] == "macos"
    )
    name = records(sm, "devices")[3]["name"]
    found = json.loads(
        both("devices", "list", "-f", "json", "--search", name, "-b", "simplemdm").out
    )
    assert name in [d["name"] for d in found]
    assert {d["backend"] for d in found} == {"simplemdm"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("devices", "list", "--platform", "beos"),
            "unknown platform 'beos'; choose from ios, ipados",
        ),
        (
            ("devices", "list", "--backend", "nope"),
            "unknown backend 'nope'; configured: simplemdm, manageengine",
        ),
        (("devices", "get", "7"), "several backends are configured"),
        (("devices", "get", "simplemdm:1/wipe"), "'1/wipe' is not a device id"),
        (("devices", "lock"), "name at least one device"),
        (
            ("devices", "refresh", "simplemdm:1", "--concurrency", "0"),
            "--concurrency must be at least 1",
        ),
        (("apps", "assign", "simplemdm:1"), "give at least one --device or --group"),
        (
            ("apps", "upload", "/no/such/App.ipa", "-b", "simplemdm"),
            "no such file: /no/such/App.ipa",
        ),
        (
            ("apps", "upload", __file__, "-b", "simplemdm", "--field", "oops"),
            "--field 'oops' must be KEY=VALUE",
        ),
    ],
)
def test_usage_mistakes_exit_2_with_one_line(
    both: InProcess, args: tuple[str, ...], message: str
) -> None:
    result = both(*args)
    assert result.code == 2, result
    assert message in result.err
    assert "Traceback" not in result.err


def test_devices_get_as_json_keeps_the_vendor_record(both: InProcess, me: FakeProcess) -> None:
    device_id = str(records(me, "devices")[0]["id"])
    result = both("devices", "get", f"manageengine:{device_id}", "-f", "json")
    assert result.code == 0
    shown = json.loads(result.out)
    assert shown["id"] == device_id
    assert shown["native"]["device_id"] in (device_id, int(device_id))


def test_one_record_piped_is_json_and_a_list_piped_is_csv(both: InProcess) -> None:
    shown = both("devices", "get", "simplemdm:1")
    assert json.loads(shown.out)["id"] == "1"
    listed = both("devices", "list", "-b", "simplemdm")
    assert listed.out.startswith("backend,vendor,id,name,")


def test_devices_get_of_an_unknown_device_names_the_api_error(both: InProcess) -> None:
    result = both("devices", "get", "simplemdm:99999")
    assert result.code == 1
    assert result.err.startswith("mdmkit: NotFoundError:")
    assert "request_id=" in result.err


def test_verbose_logs_each_request_without_the_key(both: InProcess, sm: FakeProcess) -> None:
    result = both("-v", "devices", "get", "simplemdm:1")
    assert result.code == 0
    assert "GET /api/v1/devices/1" in result.err
    assert sm.connection["api_key"] not in result.err


def test_devices_list_as_a_table(both: InProcess) -> None:
    result = both("devices", "list", "-f", "table", "-b", "simplemdm")
    assert result.code == 0
    header = result.out.splitlines()[1]
    for column in ("backend", "id", "name", "platform", "serial_number"):
        assert column in header
    assert f"{SM_DEVICES} devices" in result.err


# -- actions ---------------------------------------------------------------------------------


def test_a_destructive_action_without_a_terminal_is_refused_and_sends_nothing(
    both: InProcess, sm: FakeProcess
) -> None:
    result = both("devices", "wipe", "simplemdm:1")
    assert result.code == 2
    assert "needs confirmation and stdin is not a terminal; nothing was sent" in result.err
    assert "hint: pass --yes" in result.err
    assert sm.requests() == []


def test_lock_with_yes_writes_a_report_and_the_fake_saw_each_lock_once(
    both: InProcess, sm: FakeProcess, tmp_path: Path
) -> None:
    ids = ios_ids(sm, 3)
    report = tmp_path / "report.json"
    result = both(
        "devices", "lock", *(f"simplemdm:{i}" for i in ids), "--message", "Call IT", "--yes",
        "--report", str(report),
    )  # fmt: skip
    assert result.code == 0, result.err
    rows = json.loads(report.read_text())
    assert [(r["device"], r["status"]) for r in rows] == [(i, "ok") for i in ids]
    locks = sm.requests("POST", "*/lock")
    assert sorted(r["path"].split("/")[-2] for r in locks) == sorted(ids)
    assert {r["form"].get("message") for r in locks} == {"Call IT"}
    assert all(sm.control(f"/state/devices/{i}")["lock_count"] == 1 for i in ids)
    assert "lock: 3 ok, 0 failed" in result.err


def test_a_mac_without_a_pin_fails_alone_and_nothing_is_sent_to_it(
    both: InProcess, sm: FakeProcess
) -> None:
    mac = next(str(r["id"]) for r in records(sm, "devices") if platform_of(r) == "macos")
    phone = ios_ids(sm, 1)[0]
    result = both(
        "devices", "lock", f"simplemdm:{mac}", f"simplemdm:{phone}", "--yes", "--report", "-"
    )
    assert result.code == 1
    rows = {r["device"]: r for r in csv.DictReader(io.StringIO(result.out))}
    assert rows[mac]["status"] == "failed"
    assert rows[mac]["error"] == "InvalidRequestError"
    assert rows[phone]["status"] == "ok"
    assert [r["path"] for r in sm.requests("POST", "*/lock")] == [f"/api/v1/devices/{phone}/lock"]
    assert f"simplemdm:{mac}: InvalidRequestError: device {mac} is a Mac" in result.err


def test_dry_run_sends_nothing_at_all(
    both: InProcess, sm: FakeProcess, me: FakeProcess, tmp_path: Path
) -> None:
    ids = tmp_path / "ids.csv"
    ids.write_text("backend,id\nsimplemdm,1\nsimplemdm,2\nmanageengine,108870000002000001\n")
    result = both("devices", "wipe", "--from", str(ids), "--dry-run", "--report", "-")
    assert result.code == 0
    assert [r["status"] for r in csv.DictReader(io.StringIO(result.out))] == ["dry-run"] * 3
    assert "dry run: would wipe 3 devices; nothing is sent" in result.err
    assert sm.requests() == []
    assert me.requests() == []


def test_an_exported_list_feeds_a_bulk_run(
    both: InProcess, sm: FakeProcess, tmp_path: Path
) -> None:
    listed = both("devices", "list", "-f", "csv", "-b", "simplemdm", "--platform", "ios")
    path = tmp_path / "ios.csv"
    path.write_text(listed.out)
    count = len(list(csv.DictReader(io.StringIO(listed.out))))
    result = both("devices", "refresh", "--from", str(path), "--report", str(tmp_path / "r.csv"))
    assert result.code == 0, result.err
    assert len(sm.requests("POST", "*/refresh")) == count
    assert f"refresh: {count} ok, 0 failed" in result.err


def test_failures_under_faults_are_reported_per_device(
    both: InProcess, sm: FakeProcess, tmp_path: Path
) -> None:
    sm.fault(
        {"fault": {"type": "ServerError", "status": 500}, "route": "POST */refresh", "times": 2}
    )
    ids = [str(i) for i in range(1, 7)]
    report = tmp_path / "report.csv"
    result = both(
        "devices", "refresh", *ids, "-b", "simplemdm", "--concurrency", "1", "--report", str(report)
    )
    assert result.code == 1
    rows = list(csv.DictReader(io.StringIO(report.read_text())))
    assert [r["device"] for r in rows] == ids  # input order
    assert [r["status"] for r in rows].count("failed") == 2
    assert {r["error"] for r in rows if r["status"] == "failed"} == {"ServerError"}
    assert len(sm.requests("POST", "*/refresh")) == 6  # a POST that may have acted is not resent
    assert "refresh: 4 ok, 2 failed" in result.err


def test_one_run_across_two_vendors(both: InProcess, sm: FakeProcess, me: FakeProcess) -> None:
    me_id = str(records(me, "devices")[1]["id"])
    result = both(
        "devices", "refresh", "simplemdm:1", f"manageengine:{me_id}", "simplemdm:1", "--report", "-"
    )
    assert result.code == 0, result.err
    assert "note: 1 duplicate device ids left out" in result.err
    assert [r["backend"] for r in csv.DictReader(io.StringIO(result.out))] == [
        "simplemdm",
        "manageengine",
    ]
    assert len(sm.requests("POST", "*/refresh")) == 1
    assert len(me.requests("POST")) == 1


@pytest.mark.parametrize(
    ("answer", "code", "wipes"), [("y\n", 0, 1), ("yes\n", 0, 1), ("n\n", 1, 0), ("\n", 1, 0)]
)
def test_the_question_before_a_wipe(
    both: InProcess,
    sm: FakeProcess,
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
    code: int,
    wipes: int,
) -> None:
    device = ios_ids(sm, 1)[0]
    monkeypatch.setattr("sys.stdin", TTY(answer))
    result = both("devices", "wipe", f"simplemdm:{device}")
    assert result.code == code
    assert (
        "Wipe 1 device on simplemdm (1)? THIS ERASES THEM and cannot be undone. [y/N]" in result.err
    )
    assert len(sm.requests("POST", "*/wipe")) == wipes
    if not wipes:
        assert "cancelled; nothing was sent" in result.err


def test_refresh_asks_nothing(both: InProcess, sm: FakeProcess) -> None:
    result = both("devices", "refresh", "simplemdm:1")
    assert result.code == 0
    assert "[y/N]" not in result.err


# -- apps ------------------------------------------------------------------------------------


def test_apps_list_merges_both_catalogs(both: InProcess) -> None:
    result = both("apps", "list", "-f", "csv")
    assert result.code == 0
    rows = list(csv.DictReader(io.StringIO(result.out)))
    for backend in ("simplemdm", "manageengine"):
        alone = json.loads(both("apps", "list", "-f", "json", "-b", backend).out)
        assert alone
        assert sorted(a["id"] for a in alone) == sorted(
            r["id"] for r in rows if r["backend"] == backend
        )


def test_apps_upload_streams_the_file_the_fake_keeps_its_digest(
    both: InProcess, sm: FakeProcess, tmp_path: Path
) -> None:
    data = os.urandom(700_000)
    package = tmp_path / "Surf.ipa"
    package.write_bytes(data)
    result = both("apps", "upload", str(package), "-b", "simplemdm", "-f", "json")
    assert result.code == 0, result.err
    app = json.loads(result.out)
    assert app["backend"] == "simplemdm"
    assert f"uploaded Surf.ipa to simplemdm as app {app['id']}" in result.err
    (upload,) = sm.requests("POST", "*/apps")
    assert upload["files"]["binary"]["sha256"] == hashlib.sha256(data).hexdigest()


def test_apps_upload_to_manageengine_needs_and_takes_its_fields(
    both: InProcess, me: FakeProcess, tmp_path: Path
) -> None:
    package = tmp_path / "Tool.apk"
    package.write_bytes(b"PK\x03\x04" + os.urandom(5000))
    refused = both("apps", "upload", str(package), "-b", "manageengine")
    assert refused.code == 2
    assert "app_category_id" in refused.err
    assert me.requests("POST") == []  # refused before the file was sent
    me.control("/state", "PATCH", {"settings": {"upload_delay": 0}})
    made = both("apps", "upload", str(package), "-b", "manageengine", "--name", "Tool",
                "--field", "app_category_id=1", "-f", "json")  # fmt: skip
    assert made.code == 0, made.err
    assert json.loads(made.out)["name"] == "Tool"


def test_groups_list_gives_the_ids_apps_assign_takes(both: InProcess, sm: FakeProcess) -> None:
    listed = both("groups", "list", "-f", "json")
    assert listed.code == 0, listed.err
    groups = json.loads(listed.out)
    assert {g["backend"] for g in groups} == {"simplemdm", "manageengine"}
    group = next(g for g in groups if g["backend"] == "simplemdm" and g["kind"] == "static")
    app = json.loads(both("apps", "list", "-f", "json", "-b", "simplemdm").out)[0]
    result = both("apps", "assign", f"simplemdm:{app['id']}", "--group", group["id"], "-f", "json")
    assert result.code == 0, result.err
    (made,) = json.loads(result.out)
    assert (made["app_id"], made["target"], made["target_id"]) == (app["id"], "group", group["id"])
    assert made["install"] == "automatic"
    assert len(sm.requests("POST")) >= 1


# -- inventory -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_inventory_export_writes_every_device_of_every_backend(
    both: InProcess, tmp_path: Path, fmt: str
) -> None:
    path = tmp_path / f"inventory.{fmt}"
    result = both("inventory", "export", "-f", fmt, "-o", str(path))
    assert result.code == 0, result.err
    text = path.read_text()
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
    elif fmt == "json":
        rows = json.loads(text)
    else:
        rows = [json.loads(line) for line in text.splitlines()]
    assert len(rows) == SM_DEVICES + ME_DEVICES
    assert f"exported {SM_DEVICES + ME_DEVICES} devices from simplemdm, manageengine" in result.err


def test_a_failed_export_leaves_no_file(both: InProcess, me: FakeProcess, tmp_path: Path) -> None:
    me.fault(
        {
            "fault": {"type": "Reply", "status": 403, "message": "no"},
            "route": "GET /api/v1/mdm/devices",
            "times": None,
        }
    )
    folder = tmp_path / "out"
    folder.mkdir()
    result = both("inventory", "export", "-o", str(folder / "inventory.csv"))
    assert result.code == 3
    assert "mdmkit: PermissionDeniedError: 403 no" in result.err
    assert list(folder.iterdir()) == []  # neither the file nor its .partial


def test_an_export_to_a_missing_folder_is_a_usage_error(both: InProcess, tmp_path: Path) -> None:
    result = both("inventory", "export", "-o", str(tmp_path / "no" / "x.csv"))
    assert result.code == 2
    assert "cannot write" in result.err
