"""ContextForge (`mcp-contextforge-gateway` on PyPI) in front of one HTTP upstream, for the gateway workload.

    python gateway.py --port PORT --token-file FILE -- COMMAND ARGS...

COMMAND serves the upstream over Streamable HTTP and prints its URL on stdout (mcp-core serve
--http 127.0.0.1:0 --demo). ContextForge runs as its `mcpgateway` command documents: one uvicorn
process, its embedded SQLite database (in a temporary directory), fresh secrets, the admin UI
off. Once it answers /health, the upstream is registered with the REST API (POST /gateways) under
a JWT made by ContextForge's own tool, and only then is that token written to FILE: the bench
waits for FILE before its first call, then calls `up-echo` on /mcp/ with it.

Rate limiting is off (its default lets 100 tool calls a minute through) and SSRF protection lets
the loopback upstream through; nothing else is changed from ContextForge's defaults.
"""

import argparse
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

ADMIN = "admin@example.com"


def start_upstream(command: list[str]) -> tuple[subprocess.Popen[str], str]:
    upstream = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert upstream.stdout is not None
    for line in upstream.stdout:
        found = re.search(r"https?://\S+", line)
        if found:
            return upstream, found.group(0)
    raise SystemExit(f"the upstream exited without printing its URL: {command}")


def wait_healthy(base: str, gateway: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if gateway.poll() is not None:
            raise SystemExit(f"mcpgateway exited with {gateway.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("mcpgateway did not become healthy in 120 s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token-file", required=True)
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()

    upstream, upstream_url = start_upstream(args.command)
    workdir = tempfile.mkdtemp(prefix="contextforge-bench-")
    secret = secrets.token_urlsafe(48)
    password = "Aa1!" + secrets.token_urlsafe(16)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir}/mcp.db",
        "JWT_SECRET_KEY": secret,
        "AUTH_ENCRYPTION_SECRET": secret,
        "PLATFORM_ADMIN_EMAIL": ADMIN,
        "PLATFORM_ADMIN_PASSWORD": password,
        "BASIC_AUTH_PASSWORD": password,
        "MCPGATEWAY_UI_ENABLED": "false",
        "MCPGATEWAY_ADMIN_API_ENABLED": "true",
        "RATE_LIMITING_ENABLED": "false",
        "SSRF_ALLOW_LOCALHOST": "true",
        "LOG_LEVEL": "ERROR",
    }
    bin_dir = os.path.dirname(sys.executable)
    gateway = subprocess.Popen(
        [os.path.join(bin_dir, "mcpgateway"), "--host", "127.0.0.1", "--port", str(args.port)],
        cwd=workdir,
        env=env,
        stdout=subprocess.DEVNULL,
    )

    def stop() -> None:
        for child in (gateway, upstream):
            child.terminate()
        for child in (gateway, upstream):
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                child.kill()

    def on_signal(*_: object) -> None:
        stop()
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    try:
        register(f"http://127.0.0.1:{args.port}", gateway, env, secret, upstream_url, args.token_file)
        gateway.wait()
    finally:
        stop()


def register(base: str, gateway: subprocess.Popen[bytes], env: dict[str, str], secret: str, upstream_url: str, token_file: str) -> None:
    """Registers the upstream once ContextForge is healthy, then writes the token the bench calls with."""
    wait_healthy(base, gateway)
    # A day: ContextForge refuses tokens without an expiry.
    token = subprocess.run(
        [sys.executable, "-m", "mcpgateway.utils.create_jwt_token", "--username", ADMIN, "--exp", "1440", "--secret", secret],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip().splitlines()[-1]
    request = urllib.request.Request(
        f"{base}/gateways",
        data=json.dumps({"name": "up", "url": upstream_url, "transport": "STREAMABLEHTTP"}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as reply:
        if reply.status not in (200, 201):
            raise SystemExit(f"registering the upstream answered {reply.status}")
    partial = f"{token_file}.partial"
    with open(partial, "w", encoding="utf-8") as file:
        file.write(token)
    os.replace(partial, token_file)


if __name__ == "__main__":
    main()
