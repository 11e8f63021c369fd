#!/usr/bin/python3
"""A real SMTP server on loopback for the email tests (Debian's python3-aiosmtpd).

Usage: smtp-server.py PORT MAILDIR USER PASSWORD [CERT KEY]
With SMTP_REFUSE_CONTAINING set, a message whose content holds that text is refused for good (550), as a
server refuses a message for its content or size.
Every message it takes is written whole to MAILDIR (a temporary name, then renamed), one file each.
With USER it requires AUTH (PLAIN or LOGIN) with that password; with CERT and KEY it offers STARTTLS and
requires it before AUTH, as a real submission server on port 587 does. Prints "ready" once it listens.
"""
import os
import signal
import ssl
import sys
import threading
import uuid

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

port, maildir, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
cert, key = (sys.argv[5], sys.argv[6]) if len(sys.argv) > 6 else (None, None)


refuse = os.environ.get("SMTP_REFUSE_CONTAINING", "").encode()


class Handler:
    async def handle_DATA(self, server, session, envelope):
        if refuse and refuse in (envelope.original_content or envelope.content):
            return "550 5.7.1 Message refused by the test server"
        name = uuid.uuid4().hex
        temp = os.path.join(maildir, "." + name)
        with open(temp, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(temp, os.path.join(maildir, name + ".eml"))
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    good = isinstance(auth_data, LoginPassword) and auth_data.login == user.encode() and auth_data.password == password.encode()
    return AuthResult(success=good, handled=False)


tls = None
if cert:
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)

controller = Controller(
    Handler(), hostname="127.0.0.1", port=port,
    authenticator=authenticator if user else None, auth_required=bool(user), auth_require_tls=bool(cert),
    tls_context=tls, require_starttls=bool(cert))
controller.start()
print("ready", flush=True)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
signal.signal(signal.SIGINT, lambda *_: stop.set())
stop.wait()
controller.stop()
