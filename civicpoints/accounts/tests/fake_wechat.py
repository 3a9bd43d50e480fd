"""A fake WeChat API on 127.0.0.1 for the tests: ``sns/oauth2/access_token``,
``sns/userinfo`` and ``sns/jscode2session``, answering as WeChat does (HTTP 200,
``errcode``/``errmsg`` on error): 40029 invalid code, 40163 code been used, 45011
API minute-quota reached, -1 system busy, 40125 invalid appsecret.

``grant(code, openid, unionid=None, nickname="", scope=…)`` makes a code valid once (web
OAuth and mini-program alike); the codes ``"busy"`` and ``"limit"`` always answer
-1 and 45011. ``requests`` records every call (path and query).

For the JS-SDK: ``POST cgi-bin/stable_token`` (the official account's access token,
``TOKEN-<n>``; 40125 for a wrong secret) and ``GET cgi-bin/ticket/getticket?type=jsapi``
(``TICKET-<n>``, 7200 s). ``expire_tokens()`` makes every token issued so far answer
42001 (access_token expired); ``ticket_errors`` is a list of errcodes the next
getticket calls answer first (e.g. ``[40001]``, ``[-1]``, ``[45009]``); an unknown
token answers 40001.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeWeChat:
    def __init__(self, *, app_id: str, secret: str, mini_app_id: str, mini_secret: str):
        self.apps = {app_id: secret, mini_app_id: mini_secret}
        self.codes: dict[str, dict] = {}
        self.used: set[str] = set()
        self.tokens: dict[str, dict] = {}
        self.requests: list[dict] = []
        self.app_tokens: set[str] = set()
        self.ticket_errors: list[int] = []
        self.issued = 0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = str(self.server.server_address[0]), self.server.server_address[1]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeWeChat:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def grant(
        self,
        code: str,
        openid: str,
        unionid: str | None = None,
        nickname: str = "",
        scope: str = "snsapi_base",
    ) -> str:
        """Make ``code`` valid once, as if the person had passed WeChat's OAuth page
        with ``scope`` (or ``wx.login()`` in the mini-program)."""
        self.codes[code] = {
            "openid": openid,
            "unionid": unionid,
            "nickname": nickname,
            "scope": scope,
        }
        return code

    def expire_tokens(self) -> None:
        """Every access token issued so far now answers 42001 (expired)."""
        with self._lock:
            self.app_tokens.clear()

    def answer_post(self, path: str, body: dict) -> dict:
        if path != "/cgi-bin/stable_token":
            return {"errcode": 40066, "errmsg": "invalid url"}
        if body.get("grant_type") != "client_credential":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        if self.apps.get(str(body.get("appid"))) != body.get("secret"):
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        with self._lock:
            self.issued += 1
            token = f"TOKEN-{self.issued}"
            self.app_tokens.add(token)
        return {"access_token": token, "expires_in": 7200}

    def answer_ticket(self, q: dict) -> dict:
        with self._lock:
            if self.ticket_errors:
                errcode = self.ticket_errors.pop(0)
                return {"errcode": errcode, "errmsg": "injected"}
            token = str(q.get("access_token", ""))
            if token not in self.app_tokens:
                expired = token.startswith("TOKEN-")
                return (
                    {"errcode": 42001, "errmsg": "access_token expired"}
                    if expired
                    else {"errcode": 40001, "errmsg": "invalid credential"}
                )
            if q.get("type") != "jsapi":
                return {"errcode": 40097, "errmsg": "invalid args"}
            self.issued += 1
            return {
                "errcode": 0,
                "errmsg": "ok",
                "ticket": f"TICKET-{self.issued}",
                "expires_in": 7200,
            }

    def answer(self, path: str, q: dict) -> dict:
        if path == "/cgi-bin/ticket/getticket":
            return self.answer_ticket(q)
        if path == "/sns/userinfo":
            person = self.tokens.get(str(q.get("access_token", "")))
            if person is None or person["openid"] != q.get("openid"):
                return {"errcode": 40001, "errmsg": "invalid credential"}
            body = {"openid": person["openid"], "nickname": person["nickname"], "sex": 0}
            if person["unionid"]:
                body["unionid"] = person["unionid"]
            return body
        if path not in ("/sns/oauth2/access_token", "/sns/jscode2session"):
            return {"errcode": 40066, "errmsg": "invalid url"}
        code = q.get("code") or q.get("js_code") or ""
        if self.apps.get(str(q.get("appid"))) != q.get("secret"):
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        if code == "busy":
            return {"errcode": -1, "errmsg": "system error"}
        if code == "limit":
            return {"errcode": 45011, "errmsg": "api minute-quota reach limit"}
        with self._lock:
            if code in self.used:
                return {"errcode": 40163, "errmsg": "code been used"}
            person = self.codes.get(str(code))
            if person is None:
                return {"errcode": 40029, "errmsg": "invalid code"}
            self.used.add(code)
        if path == "/sns/jscode2session":
            body = {"openid": person["openid"], "session_key": "tiihtNczf5v6AKRyjwEUhQ=="}
        else:
            token = f"ACCESS-{code}"
            self.tokens[token] = person
            body = {
                "access_token": token,
                "expires_in": 7200,
                "refresh_token": f"REFRESH-{code}",
                "openid": person["openid"],
                "scope": person["scope"],
            }
        if person["unionid"]:
            body["unionid"] = person["unionid"]
        return body

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                parts = urlsplit(self.path)
                q = {k: v[0] for k, v in parse_qs(parts.query).items()}
                with fake._lock:
                    fake.requests.append({"path": parts.path, "query": q})
                data = json.dumps(fake.answer(parts.path, q), ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; encoding=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    body = {}
                with fake._lock:
                    fake.requests.append({"path": parts.path, "query": {}, "body": body})
                data = json.dumps(fake.answer_post(parts.path, body)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; encoding=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
