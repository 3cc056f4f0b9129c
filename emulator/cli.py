"""Command line: parse flags, bind the socket, serve with uvicorn (h11, one worker), announce readiness."""

from __future__ import annotations

import argparse
import socket
import sys
from collections.abc import Sequence

import uvicorn

from emulator.app import create_app
from emulator.faults import parse_cli_fault
from emulator.quota import Limit, parse_cli_rate_limit
from emulator.settings import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, UPDATE_MODES, Settings
from emulator.signature import Credentials


def _rate_limit(text: str) -> tuple[str, Limit]:
    try:
        return parse_cli_rate_limit(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m emulator", description="Local EMR Serverless Spark Ray-cluster API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--db", required=True, help="SQLite file that keeps the clusters across restarts")
    p.add_argument("--access-key-id", default=DEMO_ACCESS_KEY_ID)
    p.add_argument("--access-key-secret", default=DEMO_ACCESS_KEY_SECRET)
    p.add_argument("--security-token", default=None, help="when set, requests must carry exactly this STS token")
    p.add_argument("--startup-seconds", type=float, default=2.0)
    p.add_argument("--stop-seconds", type=float, default=None, help="default: same as --startup-seconds")
    p.add_argument("--update-mode", choices=UPDATE_MODES, default="immediate")
    p.add_argument("--latency-ms", type=int, default=0)
    p.add_argument("--fault", action="append", default=[], metavar="ACTION:KIND[:RATE]")
    p.add_argument(
        "--omit-key", action="append", default=[], metavar="PATH",
        help="leave this dotted key out of GetRayCluster/ListRayCluster answers (repeatable), e.g. headSpec.env",
    )  # fmt: skip
    p.add_argument(
        "--rate-limit", action="append", default=[], type=_rate_limit, metavar="ACTION=N/s|N/min",
        help="a quota: beyond N requests of ACTION per second/minute answer Throttling.User with x-acs-retry-after"
        " (repeatable; ACTION * = each action without its own limit), e.g. ListRayCluster=200/min",
    )  # fmt: skip
    return p.parse_args(argv)


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings(
        db=args.db,
        credentials=Credentials(args.access_key_id, args.access_key_secret, args.security_token),
        startup_seconds=args.startup_seconds,
        stop_seconds=args.startup_seconds if args.stop_seconds is None else args.stop_seconds,
        update_mode=args.update_mode,
        latency_ms=args.latency_ms,
        faults=[parse_cli_fault(f) for f in args.fault],
        omit_keys=list(args.omit_key),
        rate_limits=dict(args.rate_limit),  # a later flag for the same action wins
    )


class _AnnouncingServer(uvicorn.Server):
    """Prints the one readiness line once the socket accepts connections."""

    def __init__(self, config: uvicorn.Config, line: str) -> None:
        super().__init__(config)
        self._line = line

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            print(self._line, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        settings = settings_from(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted sockets only for that proto, and
    # without it every response waits ~40 ms for the client's delayed ACK (Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(
        create_app(settings),
        http="h11",  # explicit: fault injection closes the connection through h11's transport
        loop="asyncio",
        lifespan="off",
        access_log=False,
        log_level="warning",
        workers=1,
        timeout_graceful_shutdown=1,
    )
    _AnnouncingServer(config, f"emulator listening on http://{host}:{port}").run(sockets=[sock])
    return 0
