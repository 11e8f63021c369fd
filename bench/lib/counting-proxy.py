#!/usr/bin/env python3
"""A TCP proxy on loopback that counts the bytes the client sends (what goes up to the bucket), and with a
   rate, holds what goes up to that many bytes a second, shared by every connection (one boat, one link).
   counting-proxy.py LISTEN_PORT TARGET_PORT COUNT_FILE [UP_BYTES_PER_SECOND]
   (the count is rewritten after every read)"""
import asyncio, sys, time

listen, target, count_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rate = int(sys.argv[4]) if len(sys.argv) > 4 else 0
sent = 0
link_free_at = 0.0  # when the link has sent everything handed to it so far

async def pump(reader, writer, upstream):
    global sent, link_free_at
    try:
        while data := await reader.read(16384 if rate else 65536):
            if upstream:
                sent += len(data)
                with open(count_file, "w") as f:
                    f.write(str(sent))
                if rate:
                    now = time.monotonic()
                    link_free_at = max(link_free_at, now) + len(data) / rate
                    await asyncio.sleep(link_free_at - now)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()

async def handle(client_reader, client_writer):
    server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target)
    await asyncio.gather(pump(client_reader, server_writer, True), pump(server_reader, client_writer, False))

async def main():
    with open(count_file, "w") as f:
        f.write("0")
    server = await asyncio.start_server(handle, "127.0.0.1", listen)
    async with server:
        await server.serve_forever()

asyncio.run(main())
