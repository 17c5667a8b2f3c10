#!/usr/bin/env python3
"""A tiny drip server for the time-to-first-event measurement.

  drip_server.py PORT_FILE [INTERVAL_MS] [EVENTS]

Listens on 127.0.0.1 (a free port, written to PORT_FILE), answers every POST with a
chunked `text/event-stream` response: the head at once, then one detail-mode event every
INTERVAL_MS (default 50), EVENTS events in all (default 20, ending with the stop chunk and
[DONE]), then closes. A client that hangs up early is fine. One thread per connection;
TCP_NODELAY so that no write waits on Nagle.
"""
import json
import socket
import sys
import threading
import time


def frame(event, data):
    return f"event: {event}\ndata: {data}\n\n".encode()


def chunk(content, finish=None):
    return json.dumps({"id": "", "object": "", "created": 0, "model": "",
                       "choices": [{"delta": {"role": "assistant", "content": content},
                                    "index": 0, "finish_reason": finish}]},
                      ensure_ascii=False, separators=(",", ":"))


def read_request(conn, buf):
    while b"\r\n\r\n" not in buf:
        d = conn.recv(65536)
        if not d:
            return None
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    while len(rest) < length:
        d = conn.recv(65536)
        if not d:
            return None
        rest += d
    return rest[length:]


def serve(conn, interval, events):
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        if read_request(conn, b"") is None:
            return
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream;charset=utf-8\r\n"
                     b"Cache-Control: no-cache, no-transform\r\nX-Accel-Buffering: no\r\n"
                     b"Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n")
        frames = [frame("flowNodeStatus", '{"status":"running","name":"AI 对话"}')]
        frames += [frame("answer", chunk(f"你好 token {i}")) for i in range(max(events - 3, 0))]
        frames += [frame("answer", chunk(None, "stop")), frame("answer", "[DONE]")]
        start = time.monotonic()
        for i, f in enumerate(frames):
            # event i leaves at (i+1)*interval after the head
            delay = start + (i + 1) * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            conn.sendall(b"%x\r\n%s\r\n" % (len(f), f))
        conn.sendall(b"0\r\n\r\n")
    except OSError:
        pass
    finally:
        conn.close()


def main():
    port_file = sys.argv[1]
    interval = (float(sys.argv[2]) if len(sys.argv) > 2 else 50.0) / 1000.0
    events = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(s.getsockname()[1]))
    import os
    os.rename(port_file + ".tmp", port_file)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, interval, events), daemon=True).start()


if __name__ == "__main__":
    main()
