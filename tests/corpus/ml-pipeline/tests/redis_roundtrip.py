"""Store a prediction in Redis and read it back over RESP (no client library needed)."""

import os
import socket


def command(sock: socket.socket, *words: str) -> bytes:
    payload = f"*{len(words)}\r\n" + "".join(f"${len(w)}\r\n{w}\r\n" for w in words)
    sock.sendall(payload.encode())
    return sock.recv(1024)


with socket.create_connection((os.environ["REDIS_HOST"], int(os.environ["REDIS_PORT"]))) as s:
    assert command(s, "SET", "prediction:42", "setosa") == b"+OK\r\n"
    assert command(s, "GET", "prediction:42") == b"$6\r\nsetosa\r\n"
    print("redis round trip ok")
