"""Real SMTP servers for sendercheck's probe tests, on 127.0.0.1, from aiosmtpd.

Usage: smtp_server.py CONFIG.json, where CONFIG holds "cert", "key" (the good certificate),
"expired_cert", "expired_key", "user", "password". Prints one JSON line with the port of each
server once all listen, then serves until its standard input closes (the test process ended):

  starttls  STARTTLS with the good certificate; AUTH PLAIN/LOGIN only after TLS
  implicit  TLS from the first byte (SMTPS) with the good certificate; AUTH PLAIN/LOGIN
  plain     no TLS, no AUTH
  expired   STARTTLS with an expired certificate; AUTH after TLS
"""

import asyncio
import json
import socket
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


async def main():
    with open(sys.argv[1]) as handle:
        config = json.load(handle)
    user, password = config["user"].encode(), config["password"].encode()

    def authenticator(server, session, envelope, mechanism, auth_data):
        if (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == user
            and auth_data.password == password
        ):
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    good = context(config["cert"], config["key"])
    expired = context(config["expired_cert"], config["expired_key"])
    loop = asyncio.get_running_loop()
    servers = {
        "starttls": dict(tls_context=good, authenticator=authenticator, auth_require_tls=True),
        "implicit": dict(authenticator=authenticator, auth_require_tls=False),
        "plain": dict(),
        "expired": dict(tls_context=expired, authenticator=authenticator, auth_require_tls=True),
    }
    ports = {}
    for name, kwargs in servers.items():
        port = free_port()

        def factory(kwargs=kwargs):
            return SMTP(Handler(), hostname="smtp.probe.example", **kwargs)

        ssl_context = good if name == "implicit" else None
        await loop.create_server(factory, "127.0.0.1", port, ssl=ssl_context)
        ports[name] = port
    print(json.dumps(ports), flush=True)
    # Until the test process is gone (its end of our standard input closes).
    await loop.run_in_executor(None, sys.stdin.read)


asyncio.run(main())
