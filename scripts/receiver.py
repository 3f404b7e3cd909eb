"""Webhook receivers for the benchmark: one asyncio HTTP/1.1 server per port
on 127.0.0.2, answering every POST with 204 and counting them; GET /count
answers the count. Minimal on purpose (no parsing beyond the headers and the
body length), so that the registry's sender, not the receiver, is measured.

Usage: receiver.py PORT [PORT ...]"""

import asyncio
import sys

count = 0


async def serve(reader, writer):
    global count
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if length:
                await reader.readexactly(length)
            if head.startswith(b"GET /count"):
                body = str(count).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            else:
                count += 1
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main():
    servers = [await asyncio.start_server(serve, "127.0.0.2", int(port)) for port in sys.argv[1:]]
    await asyncio.gather(*(s.serve_forever() for s in servers))


asyncio.run(main())
