"""A real SMTP server for the tests (aiosmtpd): every message it accepts is
stored as one JSON file in a directory, with its envelope, subject and the
decoded text and HTML parts, so the tests read what an owner would.

    python3 smtp_sink.py PORT DIRECTORY
"""

import itertools
import json
import pathlib
import signal
import sys
import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory: pathlib.Path):
        self.directory = directory
        self.numbers = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        text = message.get_body(("plain",))
        html = message.get_body(("html",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "subject": str(message["subject"]),
            "text": text.get_content() if text else "",
            "html": html.get_content() if html else "",
            "raw": envelope.content.decode("utf-8", "replace"),
        }
        path = self.directory / f"{next(self.numbers):05}.json"
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps(record))
        partial.rename(path)
        return "250 OK"


def main() -> None:
    port, directory = int(sys.argv[1]), pathlib.Path(sys.argv[2])
    directory.mkdir(parents=True, exist_ok=True)
    controller = Controller(Sink(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
