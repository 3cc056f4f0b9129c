"""Secrets never leak: none in plaintext properties, the pickled provider, stderr, logs or error texts; and TLS
is enforced off loopback.

A full lifecycle (create, preview, update, refresh, delete) runs through a private provider server against a
private emulator that demands an STS token, with a Redis password in headSpec.gftConfig and DEBUG logging turned
on inside the provider process (a sitecustomize on PYTHONPATH), then errors are provoked and everything scanned.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import ssl
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import dill
import httpx
import pytest

from harness.emulator import Emulator
from harness.engine import ProviderError, Secret
from provider.client.api import RayClusterApi
from provider.client.credentials import ClientSettings
from provider.resource import RayClusterProvider
from provider.schema.errors import EndpointError, TransportError
from tests.support.provider_server import WORKSPACE, Engine, StderrMark, private_engine, small_cluster, sts_config
from tests.support.scripted_http_api import Answer, ScriptedHttpApi, Seen

ACCESS_KEY_SECRET = "rel-ak-secret-5b1e0c7d"
SECURITY_TOKEN = "rel-sts-token-93ac41f2"
REDIS_PASSWORD = "rel-redis-pw-7f3a9c"
NEW_REDIS_PASSWORD = "rel-redis-pw2-c0ffee"
WRONG_SECRET = "rel-wrong-secret-8d2f"

LOGGING = """import logging, sys
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, format="LOG %(name)s %(levelname)s %(message)s")
"""


def plaintext(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string reachable outside a Secret wrapper, with its path (the pickled provider decoded too)."""
    if isinstance(value, Secret):
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "__provider" and isinstance(item, str):
                yield f"{path}.__provider", base64.b64decode(item).decode("latin-1")
            else:
                yield from plaintext(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from plaintext(item, f"{path}[{index}]")
    elif isinstance(value, str):
        yield path, value


def assert_no_secret(where: str, value: Any, secrets: list[str]) -> None:
    texts = [(where, value)] if isinstance(value, str) else [(where + p, t) for p, t in plaintext(value)]
    for path, text in texts:
        for secret in secrets:
            if secret in text:  # not an assert: pytest would print the secret in its report
                pytest.fail(f"a secret appears in plain text at {path}", pytrace=False)


def with_password(password: str | Secret, replica: int = 1) -> dict[str, Any]:
    inputs = small_cluster()
    inputs["headSpec"]["gftEnabled"] = True
    inputs["headSpec"]["gftConfig"] = {
        "redisUrl": "10.4.5.6:6789",
        "redisUsername": "default",
        "redisPassword": password,
    }
    inputs["workerSpec"][0]["replica"] = replica
    return inputs


@pytest.fixture
def sts_emulator(make_emulator: Callable[..., Emulator]) -> Emulator:
    return make_emulator(
        access_key_id="rel-access-key-id", access_key_secret=ACCESS_KEY_SECRET, security_token=SECURITY_TOKEN
    )


@pytest.fixture
def logged_engine(sts_emulator: Emulator, tmp_path: Path) -> Iterator[Engine]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(LOGGING)
    with private_engine(sts_emulator, config=sts_config(sts_emulator), env={"PYTHONPATH": str(site)}) as engine:
        yield engine


def test_full_lifecycle_with_secret_password_leaks_nothing(logged_engine: Engine, sts_emulator: Emulator) -> None:
    engine, emulator = logged_engine, sts_emulator
    seen: list[tuple[str, Any]] = []

    checked = engine.check(with_password(Secret(REDIS_PASSWORD)))
    seen.append(("check", checked.inputs))
    cluster_id, outs = engine.server.create(engine.provider, engine.urn, checked.inputs)
    seen.append(("create", outs))
    live = emulator.clusters()[0]
    secrets = [ACCESS_KEY_SECRET, SECURITY_TOKEN, REDIS_PASSWORD, NEW_REDIS_PASSWORD, live["submitToken"]]
    secrets.append(live["dashboardUrl"].split("token=")[-1])
    assert isinstance(outs["submitToken"], Secret) and isinstance(outs["dashboardUrl"], Secret)
    assert isinstance(outs["headSpec"]["gftConfig"]["redisPassword"], Secret)

    news = with_password(Secret(NEW_REDIS_PASSWORD), replica=2)
    checked = engine.check(news)
    diff = engine.server.diff(engine.provider, cluster_id, engine.urn, outs, checked.inputs)
    assert diff.changes == "DIFF_SOME"
    new_outs = engine.update(cluster_id, outs, checked.inputs)
    seen.append(("update", new_outs))
    assert emulator.clusters()[0]["headSpec"]["gftConfig"]["redisPassword"] == NEW_REDIS_PASSWORD  # it was sent
    read_id, read_outs, read_inputs = engine.refresh(cluster_id, new_outs)
    seen += [("read outputs", read_outs), ("read inputs", read_inputs)]
    assert read_id == cluster_id
    engine.destroy(cluster_id, read_outs)
    assert emulator.clusters() == []

    for where, props in seen:
        assert_no_secret(where, props, secrets)
    stderr = engine.server.stderr_text()
    assert "LOG provider.api DEBUG" in stderr  # the provider's own logging was captured, and is clean
    assert_no_secret("stderr", stderr, secrets)
    assert_no_secret("stdout", engine.server.stdout_text(), secrets)
    raw = base64.b64decode(engine.server.serialized_provider(RayClusterProvider()))
    assert vars(dill.loads(raw)) == {}  # our own bytes
    assert_no_secret("__provider", raw.decode("latin-1"), secrets)


def test_plain_password_input_is_made_secret_by_check(logged_engine: Engine) -> None:
    checked = logged_engine.check(with_password(REDIS_PASSWORD))
    assert_no_secret("check", checked.inputs, [REDIS_PASSWORD])


def test_plain_password_input_is_secret_in_every_output(logged_engine: Engine, sts_emulator: Emulator) -> None:
    engine = logged_engine
    inputs = with_password(REDIS_PASSWORD)
    cluster_id, outs = engine.server.create(engine.provider, engine.urn, inputs)
    _, read_outs, read_inputs = engine.refresh(cluster_id, outs)
    mark = StderrMark(engine.server)
    changed = with_password(NEW_REDIS_PASSWORD)
    engine.server.diff(engine.provider, cluster_id, engine.urn, outs, changed)
    assert "redisPassword" in mark.text()  # the change is shown, its value is not
    for where, props in (("create", outs), ("read outputs", read_outs), ("read inputs", read_inputs)):
        assert_no_secret(where, props, [REDIS_PASSWORD, NEW_REDIS_PASSWORD])
    assert_no_secret("stderr", engine.server.stderr_text(), [REDIS_PASSWORD, NEW_REDIS_PASSWORD, ACCESS_KEY_SECRET])


def test_error_texts_carry_no_secret(logged_engine: Engine, sts_emulator: Emulator) -> None:
    engine, emulator = logged_engine, sts_emulator
    secrets = [ACCESS_KEY_SECRET, SECURITY_TOKEN, REDIS_PASSWORD]
    errors: list[str] = []
    cluster_id, outs = engine.up_create(with_password(Secret(REDIS_PASSWORD)))

    emulator.set_faults([{"action": "GetRayCluster", "kind": "InternalError", "rate": 1.0, "count": None}])
    with pytest.raises(ProviderError) as server_error:
        engine.refresh(cluster_id, outs)
    errors.append(server_error.value.details)
    emulator.clear_faults()

    emulator.configure(startupFailureMessage="head pod crashed")
    with pytest.raises(ProviderError) as failed_create:
        engine.up_create(with_password(Secret(REDIS_PASSWORD)) | {"name": "second"})
    errors.append(failed_create.value.details)

    checked = engine.check(
        with_password(Secret(REDIS_PASSWORD)) | {"headSpec": {"gftConfig": {"redisPasword": REDIS_PASSWORD}}}
    )
    assert checked.failures
    errors += [reason for _, reason in checked.failures]

    for text in errors:
        assert_no_secret("error", text, secrets)
    assert_no_secret("stderr", engine.server.stderr_text(), secrets)


def test_wrong_secret_is_an_auth_error_that_does_not_echo_it(sts_emulator: Emulator) -> None:
    config = sts_config(sts_emulator) | {"alicloud:secretKey": WRONG_SECRET}
    with private_engine(sts_emulator, config=config) as engine:
        with pytest.raises(ProviderError) as failed:
            engine.up_create(small_cluster())
        assert "SignatureDoesNotMatch" in failed.value.message
        assert_no_secret("error", failed.value.details, [WRONG_SECRET, SECURITY_TOKEN, ACCESS_KEY_SECRET])
        assert_no_secret("stderr", engine.server.stderr_text(), [WRONG_SECRET, SECURITY_TOKEN])
    assert sts_emulator.clusters() == []


def test_server_text_echoing_the_secrets_is_redacted() -> None:
    # A misbehaving gateway that echoes what it received, token and all, into its error message.
    def echo(seen: Seen) -> Answer:
        token = seen.headers.get("x-acs-security-token", "")
        body = f'{{"code": "InvalidParameter", "message": "bad request with token {token} key {ACCESS_KEY_SECRET}"}}'
        return Answer(400, body.encode())

    fake = ScriptedHttpApi(scripts={"GetRayCluster": echo}).start()
    try:
        config = {
            "alicloud:accessKey": "rel-access-key-id",
            "alicloud:secretKey": ACCESS_KEY_SECRET,
            "alicloud:securityToken": SECURITY_TOKEN,
            "emr:endpoint": fake.url,
        }
        with private_engine(None, config=config) as engine:
            with pytest.raises(ProviderError) as failed:
                engine.refresh("ray-x", {**small_cluster(), "clusterId": "ray-x"})
            assert "InvalidParameter" in failed.value.message and "***" in failed.value.message
            assert_no_secret("error", failed.value.details, [ACCESS_KEY_SECRET, SECURITY_TOKEN])
            assert_no_secret("stderr", engine.server.stderr_text(), [ACCESS_KEY_SECRET, SECURITY_TOKEN])
        assert fake.seen[0].headers["x-acs-security-token"] == SECURITY_TOKEN  # it was really sent, and echoed
    finally:
        fake.stop()


# -- TLS ---------------------------------------------------------------------------------------------------


class _NoNetwork(httpx.BaseTransport):
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        raise AssertionError("no request may be sent")


@pytest.mark.parametrize("endpoint", ["http://10.1.2.3", "http://emr-serverless-spark.cn-hangzhou.aliyuncs.com:80"])
def test_plain_http_off_loopback_is_refused_before_any_connection(endpoint: str) -> None:
    transport = _NoNetwork()
    settings = ClientSettings(access_key_id="id", access_key_secret=ACCESS_KEY_SECRET, endpoint=endpoint)
    with pytest.raises(EndpointError) as refused:
        RayClusterApi.from_settings(settings, transport=transport)
    assert "https" in str(refused.value) and ACCESS_KEY_SECRET not in str(refused.value)
    assert transport.requests == []


def test_provider_refuses_plain_http_off_loopback() -> None:
    config = {"alicloud:accessKey": "id", "alicloud:secretKey": ACCESS_KEY_SECRET, "emr:endpoint": "http://10.1.2.3"}
    with private_engine(None, config=config) as engine:
        with pytest.raises(ProviderError) as refused:
            engine.refresh("ray-x", {**small_cluster(), "clusterId": "ray-x"})
        assert "EndpointError" in refused.value.message and "plain http" in refused.value.message


@pytest.fixture
def self_signed_https(tmp_path: Path) -> Iterator[str]:
    """An HTTPS server on 127.0.0.1 with a self-signed certificate (which no verifying client may accept)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "emr-serverless-spark.cn-hangzhou.aliyuncs.com")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    reached: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            reached.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    assert reached == [], "a request got past the TLS handshake"


def test_https_endpoint_verifies_certificates(self_signed_https: str) -> None:
    settings = ClientSettings(access_key_id="id", access_key_secret=ACCESS_KEY_SECRET, endpoint=self_signed_https)
    with RayClusterApi.from_settings(settings) as api, pytest.raises(TransportError) as refused:
        api.get(WORKSPACE, "ray-x")
    assert "CERTIFICATE_VERIFY_FAILED" in str(refused.value) or "certificate" in str(refused.value).lower()
    assert ACCESS_KEY_SECRET not in str(refused.value)
