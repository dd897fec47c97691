"""Starts moto_server on loopback with the project's emulator extension loaded.

Usage: server.py --host 127.0.0.1 --port PORT
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import byob_moto  # noqa: E402  (patches moto before its server starts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    # Custom resource requests carry a ResponseURL on this server, so it must know where it answers.
    public_host = "127.0.0.1" if args.host in ("0.0.0.0", "") else args.host
    byob_moto.install(base_url=f"http://{public_host}:{args.port}")
    from moto.server import main as moto_main

    moto_main(["-H", args.host, "-p", str(args.port)])


if __name__ == "__main__":
    main()
