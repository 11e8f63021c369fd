#!/usr/bin/env python3
"""A TCP proxy on loopback that counts the bytes the client sends (what goes up to the bucket).
   counting-proxy.py LISTEN_PORT TARGET_PORT COUNT_FILE   (the count is rewritten after every read)"""
import asyncio, sys

listen, target, count_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
sent = 0

async def pump(reader, writer, upstream):
    global sent
    try:
        while data := await reader.read(65536):
            if upstream:
                sent += len(data)
                with open(count_file, "w") as f:
                    f.write(str(sent))
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
