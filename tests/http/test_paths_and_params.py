"""Path ids and argument checks: what is refused before anything is sent."""

from __future__ import annotations

import pytest

from mdmkit.core.errors import ConfigurationError, InvalidRequestError
from mdmkit.http.params import (
    body_id,
    body_ids,
    check_choice,
    check_digits,
    check_range,
    check_text,
    form_fields,
    id_list,
    ids_csv,
    require_exactly_one,
)
from mdmkit.http.paths import check_base_url, path_id, same_origin, url_problem


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (121, "121"),
        (0, "0"),
        ("121", "121"),
        ("email_address", "email_address"),
        ("a b", "a%20b"),
        ("caf\u00e9", "caf%C3%A9"),  # non-ASCII letters are quoted as UTF-8
        ("\u540d\u524d", "%E5%90%8D%E5%89%8D"),
        ("964595dfd5be464a82cbb9019f55d82b", "964595dfd5be464a82cbb9019f55d82b"),
    ],
)
def test_path_id_accepts_ids(value: object, expected: str) -> None:
    assert path_id(value, "device_id") == expected


@pytest.mark.parametrize(
    "value",
    [
        "1/wipe",
        "../account",
        "..",
        "1?x=1",
        "1#f",
        "a\\b",
        "%2e%2e",
        "1%2Fwipe",
        "",
        " ",
        "a\nb",
        "1\ud800",  # a lone surrogate: quote() raised UnicodeEncodeError
        "\udc00",
        "1\x00",
        "1\r\n",
        "1\t",
        "1\x7f",
        "1\x85",  # NEL, a C1 control
        "a\u2028b",  # line separator
        "0\u16800",  # Ogham space mark: a space no log line shows as one (found by hypothesis)
        "1\u00a02",  # no-break space
        "\u200b1",  # zero-width space: invisible in a log line
        "\u202e1",  # right-to-left override
        "\ue000",  # private use
        "\u0661\u0662\u0663",  # Arabic-Indic digits: int() reads 123
        " 121",
        "121 ",
        -1,
        True,
        1.5,
        None,
        b"1",
        ["1"],
    ],
)
def test_path_id_refuses_anything_that_could_change_the_route(value: object) -> None:
    with pytest.raises(InvalidRequestError) as info:
        path_id(value, "device_id")
    assert info.value.field == "device_id"
    assert isinstance(info.value, ValueError)


def test_same_origin() -> None:
    base = "https://mdm.manageengine.com/api/v1/mdm"
    assert same_origin("https://mdm.manageengine.com/api/v1/mdm/devices?offset=50", base)
    assert same_origin("HTTPS://mdm.manageengine.com/x", base)
    assert not same_origin("https://evil.example/api/v1/mdm/devices", base)
    assert not same_origin("http://mdm.manageengine.com/api", base)
    assert not same_origin("https://mdm.manageengine.com:8443/api", base)
    assert same_origin("https://mdm.manageengine.com:443/api/v1/mdm/devices", base)  # default


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:abc/",
        "http://evil.example\\@127.0.0.1/",
        "http://127.0.0.1/a\\..\\b",  # a browser reads "\\" as "/"
        "http://[::1/",
        "http://user@127.0.0.1/",
        "http://user:pw@127.0.0.1/",
        "http://127.0.0.1:99999/",
        "http://127.0.0.1:0/",
        "http://127.0.0.1:-1/",
        "http://127.0.0.1/a b",
        "http://127.0.0.1/\r\n",
        "http://127.0.0.1/\x00",
        "http://127.0.0.1/\ud800",
        "http://127.0.0.1/\u00e9",
        "http://127.0.0.1%00/",
        "//127.0.0.1/",
        "/relative",
        "ftp://127.0.0.1/",
        "",
    ],
)
def test_malformed_urls_are_never_same_origin_and_never_raise(url: str) -> None:
    assert url_problem(url) is not None
    assert not same_origin(url, "http://127.0.0.1")
    assert not same_origin("http://127.0.0.1/x", url)


@pytest.mark.parametrize(
    "url",
    [
        "https://a.simplemdm.com/api/v1",
        "http://127.0.0.1:8080/x?cursor=1#f",
        "http://[::1]:8080/",
        "https://mdm.example.com:8383",
        "https://a_b.example.com./x",
        "https://xn--bcher-kva.example/",
    ],
)
def test_well_formed_urls_have_no_problem(url: str) -> None:
    assert url_problem(url) is None
    assert same_origin(url, url)


def test_url_problem_of_a_non_string() -> None:
    assert url_problem(None) == "is not a string"
    assert url_problem(b"https://x") == "is not a string"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://user:hunter2@a.simplemdm.com/api/v1", "user name or password"),
        ("https://a.simplemdm.com:99999/api/v1", "port"),
        ("https://a.simplemdm.com:abc/api/v1", "port"),
        ("https://[::1/api/v1", "IPv6"),
        ("https://a.simplemdm.com/api/v1\n", "control"),
        ("https://a.simplemdm.com/api/v1?x=1", "query"),
        ("https://a.simplemdm.com/api/v1#top", "fragment"),
        ("a.simplemdm.com/api/v1", "http"),
        ("http://10.0.0.1/api", "plain http"),
    ],
)
def test_check_base_url_refusals_are_configuration_errors(url: str, problem: str) -> None:
    with pytest.raises(ConfigurationError, match=problem) as info:
        check_base_url(url, setting="base_url")
    assert "hunter2" not in str(info.value)
    assert info.value.__cause__ is None


def test_check_base_url_accepts_roots() -> None:
    assert check_base_url("https://a.simplemdm.com/api/v1/") == "https://a.simplemdm.com/api/v1"
    assert check_base_url("http://[::1]:8080") == "http://[::1]:8080"
    assert check_base_url("http://10.0.0.1", allow_insecure=True) == "http://10.0.0.1"


def test_check_range() -> None:
    assert check_range(100, 1, 100, "limit") == 100
    for bad in (0, 101, True, "5"):
        with pytest.raises(InvalidRequestError, match="limit must be an integer from 1 to 100"):
            check_range(bad, 1, 100, "limit")  # type: ignore[arg-type]


def test_check_digits() -> None:
    assert check_digits("123456", "pin", count=6) == "123456"
    assert check_digits(123456, "pin", count=6) == "123456"
    assert check_digits("1090161858", "app_store_id") == "1090161858"
    for bad in ("12345", "1234567", "12a456", "١٢٣٤٥٦", True, ""):
        with pytest.raises(InvalidRequestError) as info:
            check_digits(bad, "pin", count=6)
        assert info.value.field == "pin"


def test_check_choice_and_text() -> None:
    assert check_choice("asc", ("asc", "desc"), "direction") == "asc"
    with pytest.raises(InvalidRequestError, match="'asc', 'desc'"):
        check_choice("up", ("asc", "desc"), "direction")
    assert check_text("x", "name") == "x"
    for bad in ("", "  ", None, 3):
        with pytest.raises(InvalidRequestError):
            check_text(bad, "name")


def test_require_exactly_one() -> None:
    assert require_exactly_one({"a": 1, "b": None}) == "a"
    with pytest.raises(InvalidRequestError, match="got none"):
        require_exactly_one({"a": None, "b": None})
    with pytest.raises(InvalidRequestError, match="got a, b") as info:
        require_exactly_one({"a": 1, "b": 2})
    assert info.value.field == "b"


def test_id_lists() -> None:
    assert ids_csv([1, 2, "3"], "device_ids") == "1,2,3"
    assert ids_csv([], "device_ids") is None
    assert ids_csv(None, "device_ids") is None
    assert id_list((5,), "x") == ["5"]
    with pytest.raises(InvalidRequestError, match="not a string"):
        id_list("123", "device_ids")
    with pytest.raises(InvalidRequestError):
        ids_csv([1, "2/3"], "device_ids")
    with pytest.raises(InvalidRequestError, match="not int"):
        id_list(5, "device_ids")  # type: ignore[arg-type]
    assert id_list(["a b"], "x") == ["a b"]  # body text is not URL-quoted


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (121, 121),
        ("121", 121),
        ("1234567890123456789", 1234567890123456789),  # exact: never through float
        (0, 0),
        ("0121", "0121"),  # not a plain number: stays text rather than become 121
        ("com.example.app", "com.example.app"),
    ],
)
def test_body_id(value: object, expected: int | str) -> None:
    assert body_id(value, "app_category_id") == expected
    assert type(body_id(value, "app_category_id")) is type(expected)


@pytest.mark.parametrize(
    "value",
    ["1/wipe", "../1", "1\r\n", "1\ud800", "\u0661\u0662", " 1", "", -1, True, 1.0, None, [1]],
)
def test_body_id_refuses_unsafe_ids(value: object) -> None:
    with pytest.raises(InvalidRequestError) as info:
        body_id(value, "app_category_id")
    assert info.value.field == "app_category_id"


def test_body_ids() -> None:
    assert body_ids([1, "2", "x"], "member_ids") == [1, 2, "x"]
    assert body_ids((), "member_ids") == []
    for bad in ("12", 12, [1, "1/wipe"]):
        with pytest.raises(InvalidRequestError) as info:
            body_ids(bad, "member_ids")  # type: ignore[arg-type]
        assert info.value.field == "member_ids"


def test_form_fields_drop_unset_and_spell_booleans() -> None:
    assert form_fields(a=None, b=True, c=False, d=3, e="x") == [
        ("b", "true"),
        ("c", "false"),
        ("d", "3"),
        ("e", "x"),
    ]
