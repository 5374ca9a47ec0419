"""The local gateway hands handlers a faithful API Gateway HTTP API v2 event and returns their reply."""

from __future__ import annotations

import base64
import json

import pytest
import requests
from journeysync_local.stack import LocalStack

pytestmark = pytest.mark.e2e


def _echo(resp: requests.Response) -> dict[str, object]:
    assert resp.status_code == 201, resp.text
    return dict(json.loads(resp.text))


def test_binary_body_arrives_base64_encoded_with_lowercased_headers_and_path_parameters(
    fixture_stack: LocalStack,
) -> None:
    raw = bytes(range(256))
    resp = requests.post(
        f"{fixture_stack.url}/echo/M%C3%BCller?b=2&a=1&a=3",
        data=raw,
        headers={"Content-Type": "application/octet-stream", "X-Square-HmacSha256-Signature": "sig"},
        cookies={"visit": "1"},
        timeout=5,
    )
    event = _echo(resp)["event"]
    assert isinstance(event, dict)
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /echo/{name}"
    assert event["rawPath"] == "/echo/M%C3%BCller"
    assert event["rawQueryString"] == "b=2&a=1&a=3"
    assert event["queryStringParameters"] == {"b": "2", "a": "1,3"}
    assert event["pathParameters"] == {"name": "Müller"}
    assert event["headers"]["x-square-hmacsha256-signature"] == "sig"
    assert all(k == k.lower() for k in event["headers"])
    assert event["cookies"] == ["visit=1"]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw
    http = event["requestContext"]["http"]
    assert http == {
        "method": "POST",
        "path": "/echo/M%C3%BCller",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": resp.request.headers["User-Agent"],
    }
    assert event["requestContext"]["stage"] == "$default"
    assert event["requestContext"]["requestId"] == resp.headers["apigw-requestid"]
    assert isinstance(event["requestContext"]["timeEpoch"], int)


def test_json_is_passed_as_text_and_form_posts_as_base64(fixture_stack: LocalStack) -> None:
    body = json.dumps({"émoji": "🎟"}).encode()
    as_json = _echo(
        requests.post(f"{fixture_stack.url}/echo/x", data=body, headers={"Content-Type": "application/json"}, timeout=5)
    )
    assert as_json["event"]["isBase64Encoded"] is False  # type: ignore[index]
    assert as_json["event"]["body"].encode() == body  # type: ignore[index]

    form = _echo(requests.post(f"{fixture_stack.url}/echo/x", data={"type": "unsubscribe"}, timeout=5))
    assert form["event"]["isBase64Encoded"] is True  # type: ignore[index]
    assert base64.b64decode(form["event"]["body"]) == b"type=unsubscribe"  # type: ignore[index]


def test_the_handlers_reply_comes_back_with_status_headers_and_cookies(fixture_stack: LocalStack) -> None:
    resp = requests.post(f"{fixture_stack.url}/echo/bob", data=b"{}", timeout=5)
    assert resp.status_code == 201
    assert resp.headers["x-echo"] == "yes"
    assert resp.headers["set-cookie"] == "session=abc; Path=/"
    reply = resp.json()
    assert reply["function"] == fixture_stack.functions["EchoFunction"].name
    assert reply["memory"] == 256
    assert 0 < reply["remaining_ms"] <= 5000


def test_greedy_path_parameters_and_any_method(fixture_stack: LocalStack) -> None:
    event = _echo(requests.delete(f"{fixture_stack.url}/files/a/b/c.txt", timeout=5))["event"]
    assert event["routeKey"] == "ANY /files/{proxy+}"  # type: ignore[index]
    assert event["pathParameters"] == {"proxy": "a/b/c.txt"}  # type: ignore[index]
    assert "body" not in event  # type: ignore[operator]


def test_unknown_routes_and_handler_crashes_answer_like_api_gateway(fixture_stack: LocalStack) -> None:
    missing = requests.post(f"{fixture_stack.url}/nowhere", data=b"x", timeout=5)
    assert (missing.status_code, missing.json()) == (404, {"message": "Not Found"})
    wrong_method = requests.get(f"{fixture_stack.url}/echo/bob", timeout=5)
    assert wrong_method.status_code == 404
    crash = requests.get(f"{fixture_stack.url}/boom", timeout=5)
    assert (crash.status_code, crash.json()) == (500, {"message": "Internal Server Error"})
    assert any("RuntimeError: boom" in line.line for line in fixture_stack.logs)
    assert fixture_stack.gateway is not None
    assert fixture_stack.gateway.stats.by_status[404] == 2


def test_each_function_sees_only_its_own_environment_with_refs_resolved(fixture_stack: LocalStack) -> None:
    reply = requests.post(f"{fixture_stack.url}/echo/env", data=b"{}", timeout=5).json()
    assert reply["env"] == {
        "EFFECTS_TABLE": fixture_stack.resources["EffectsTable"],
        "WORK_QUEUE_URL": None,  # BatchFunction's variable, not EchoFunction's
        "AWS_LAMBDA_FUNCTION_NAME": fixture_stack.functions["EchoFunction"].name,
    }
    assert fixture_stack.env["BatchFunction"]["WORK_QUEUE_URL"] == fixture_stack.resources["WorkQueue"]


def test_cached_layer_settings_are_per_function(fixture_stack: LocalStack) -> None:
    for _ in range(2):
        a = fixture_stack.invoke("SettingsAFunction", {})
        b = fixture_stack.invoke("SettingsBFunction", {})
        assert a["events_queue_url"] == fixture_stack.resources["WorkQueue"]
        assert b["events_queue_url"] == fixture_stack.resources["OrderedQueue"]
