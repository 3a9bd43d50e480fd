"""Fake Tencent Cloud and Alibaba Cloud SMS gateways on 127.0.0.1 for the tests.

Each answers ``SendSms`` the way its provider does (bodies as in the providers' API
references): ``ok``, ``rate`` (the per-number limit), ``template`` (a template that
is wrong or not approved), ``busy`` (a provider-side transient error) and
``timeout`` (no answer within the client's timeout). ``script`` is the list of
scenarios for the next calls (the last one repeats); ``requests`` records what
reached the server: method, path, query, headers and the decoded body.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

TENCENT_ANSWERS = {
    "rate": (
        "LimitExceeded.PhoneNumberThirtySecondLimit",
        "the number of sms messages sent from a single mobile number within 30 seconds "
        "exceeds the upper limit",
    ),
    "template": (
        "FailedOperation.TemplateIncorrectOrUnapproved",
        "template is not approved or request content does not match the approved template content",
    ),
    "busy": ("InternalError.Timeout", "request timed out"),
}
ALIYUN_ANSWERS = {
    "rate": ("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1"),
    "template": ("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板"),
    "busy": ("isp.SYSTEM_ERROR", "isp.SYSTEM_ERROR"),
}


class FakeGateway:
    """One provider's fake (``kind`` tencent or aliyun) on an ephemeral port."""

    def __init__(self, kind: str, *, stall_seconds: float = 2.0):
        self.kind = kind
        self.stall_seconds = stall_seconds
        self.script: list[str] = ["ok"]
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = str(self.server.server_address[0]), self.server.server_address[1]
        return f"{host}:{port}"

    def __enter__(self) -> FakeGateway:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _next(self) -> str:
        with self._lock:
            return self.script.pop(0) if len(self.script) > 1 else self.script[0]

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output clean
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8") if length else ""
                parts = urlsplit(self.path)
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    body = json.loads(raw or "{}")
                else:
                    body = {k: v[0] for k, v in parse_qs(raw).items()}
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                scenario = fake._next()
                with fake._lock:
                    fake.requests.append(
                        {
                            "path": parts.path,
                            "query": query,
                            "headers": dict(self.headers),
                            "body": body,
                            "scenario": scenario,
                        }
                    )
                if scenario == "timeout":
                    time.sleep(fake.stall_seconds)
                status, answer = (
                    fake._tencent(scenario, body)
                    if fake.kind == "tencent"
                    else fake._aliyun(scenario)
                )
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    # as each provider sends it (Tencent's SDK checks the exact value)
                    self.send_header(
                        "Content-Type",
                        "application/json"
                        if fake.kind == "tencent"
                        else "application/json;charset=utf-8",
                    )
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout)

        return Handler

    @staticmethod
    def _tencent(scenario: str, body: dict) -> tuple[int, dict]:
        request_id = str(uuid.uuid4())
        phones = body.get("PhoneNumberSet") or [""]
        if scenario in ("ok", "timeout"):
            status = {"Code": "Ok", "Message": "send success"}
        elif scenario == "rate":
            code, message = TENCENT_ANSWERS["rate"]
            status = {"Code": code, "Message": message}
        else:  # whole-request errors come back as Response.Error
            code, message = TENCENT_ANSWERS[scenario]
            return 200, {
                "Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}
            }
        return 200, {
            "Response": {
                "SendStatusSet": [
                    {
                        "SerialNo": f"2433:{uuid.uuid4().hex[:20]}",
                        "PhoneNumber": phones[0],
                        "Fee": 1,
                        "SessionContext": "",
                        "IsoCode": "CN",
                        **status,
                    }
                ],
                "RequestId": request_id,
            }
        }

    @staticmethod
    def _aliyun(scenario: str) -> tuple[int, dict]:
        request_id = str(uuid.uuid4()).upper()
        if scenario in ("ok", "timeout"):
            return 200, {
                "Code": "OK",
                "Message": "OK",
                "BizId": f"9006197469364984^{uuid.uuid4().int % 10**10}",
                "RequestId": request_id,
            }
        code, message = ALIYUN_ANSWERS[scenario]
        return 200, {"Code": code, "Message": message, "RequestId": request_id}
