"""Routes this extension adds to moto's server, ahead of moto's own dispatch.

PUT /_byob/cfn-response/<id>: the ResponseURL of a custom resource request (on AWS, a presigned
S3 URL). It answers 200 at once, like S3, and wakes the stack operation waiting for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from . import custom_resources

StartResponse = Callable[..., Any]


def _read_body(environ: dict[str, Any]) -> bytes:
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length:
        return stream.read(int(length))
    if environ.get("wsgi.input_terminated"):
        return stream.read()
    return b""


def _cfn_response(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    if environ.get("REQUEST_METHOD") != "PUT":
        start_response("405 Method Not Allowed", [("Allow", "PUT"), ("Content-Type", "text/plain")])
        return [b"Use PUT, as for a presigned S3 URL."]
    exchange_id = environ.get("PATH_INFO", "")[len(custom_resources.RESPONSE_PATH) :].strip("/")
    status, text = custom_resources.deliver(exchange_id, _read_body(environ))
    reason = {200: "OK", 404: "Not Found"}.get(status, "Error")
    start_response(f"{status} {reason}", [("Content-Type", "text/plain"), ("Content-Length", str(len(text)))])
    return [text.encode("utf-8")]


_original_call = DomainDispatcherApplication.__call__


def _call(self: DomainDispatcherApplication, environ: dict[str, Any], start_response: StartResponse) -> Any:
    if str(environ.get("PATH_INFO", "")).startswith(custom_resources.RESPONSE_PATH):
        return _cfn_response(environ, start_response)
    return _original_call(self, environ, start_response)


def install() -> None:
    """Puts the routes in front of moto's dispatcher."""
    DomainDispatcherApplication.__call__ = _call  # type: ignore[method-assign]
