"""``python -m infra.local run``: the whole region on this machine, until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from infra.local.errors import LocalHostError


def _port(value: str) -> int:
    port = int(value)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port (0 = any free port)")
    return port


def _positive(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise argparse.ArgumentTypeError(f"{value} must be more than 0")
    return number


def _seconds(value: str) -> int:
    number = int(value)
    if not 0 <= number <= 43200:  # SQS: 0 seconds to 12 hours
        raise argparse.ArgumentTypeError(f"{value} must be between 0 and 43200")
    return number


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m infra.local", description="The Jeugdketen local host.")
    commands = root.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start moto, provision and seed a region, serve the API until Ctrl-C")
    run.add_argument(
        "--region", default="groningen", help="region file infra/regions/<region>.yaml (default groningen)"
    )
    run.add_argument("--api-port", type=_port, default=3000, help="the API gateway's port (default 3000; 0 = any)")
    run.add_argument("--moto-port", type=_port, default=4566, help="moto's port (default 4566; 0 = any)")
    run.add_argument(
        "--tick-seconds",
        type=_positive,
        default=60.0,
        help="how often every sweeper runs (default 60: the shortest schedule on AWS, the video queue's 1 minute)",
    )
    run.add_argument(
        "--extra-manifest",
        action="append",
        default=[],
        metavar="MODULE",
        help="also host the service in this manifest module (e.g. tests.probe.manifest); repeatable",
    )
    run.add_argument(
        "--visibility-timeout",
        type=_seconds,
        default=2,
        help="seconds before a message whose handler failed comes back (default 2)",
    )
    run.add_argument(
        "--record-events", type=Path, metavar="FILE", help="append every event handed to a handler (JSON lines)"
    )
    run.add_argument("--ready-file", type=Path, metavar="FILE", help="write where everything is as JSON once ready")
    run.add_argument("--log-level", default="INFO", help="the host's own log level (default INFO)")
    run.add_argument(
        "--exit-with-parent",
        action="store_true",
        help="stop when the process that started this one ends (test harnesses)",
    )
    return root


def run(args: argparse.Namespace) -> int:
    from infra.config import RegionConfigError
    from infra.local.banner import ready_block
    from infra.local.host import HostOptions, LocalHost

    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    for chatty in ("botocore", "boto3", "urllib3"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, logging.getLogger().level))
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "INFO")
    host = LocalHost(
        HostOptions(
            region=args.region,
            api_port=args.api_port,
            moto_port=args.moto_port,
            tick_seconds=args.tick_seconds,
            extra_manifests=tuple(args.extra_manifest),
            visibility_timeout=args.visibility_timeout,
            record_path=args.record_events,
        )
    )
    signal.signal(signal.SIGTERM, _interrupt)  # while starting, SIGTERM stops it like Ctrl-C does
    try:
        info = host.start()  # KeyboardInterrupt here: start() cleans up after itself
    except (LocalHostError, RegionConfigError) as problem:
        print(f"the local host did not start: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("the local host stopped before it was ready", file=sys.stderr)
        return 130
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        print(ready_block(info), flush=True)
        if args.ready_file:
            partial = args.ready_file.with_suffix(args.ready_file.suffix + ".partial")
            partial.write_text(info.to_json())
            partial.replace(args.ready_file)  # appears complete or not at all
        parent = os.getppid()
        while not stop.wait(0.5):
            if args.exit_with_parent and os.getppid() != parent:
                print("the process that started the local host has ended", file=sys.stderr)
                break
        print("stopping the local host ...", file=sys.stderr, flush=True)
    finally:
        host.stop()
    print("the local host stopped", file=sys.stderr, flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "run":
        return run(args)
    return 2  # pragma: no cover - argparse requires a command


if __name__ == "__main__":
    raise SystemExit(main())
