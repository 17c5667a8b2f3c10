#!/usr/bin/env python3
"""httpx_bench.py: the Python httpx driver of the benchmark (the reference Python SDK's
stack; see bench/README.md). One httpx.Client; each completion is parsed with
response.json(), each stream event's data with json.loads, as SDK users do.

  httpx_bench.py seq BASE_URL N | threads BASE_URL T N | stream BASE_URL EVENTS | ttfe BASE_URL RUNS
"""
import json
import statistics
import sys
import threading
import time

import httpx

API_KEY = "fastgpt-bench-key"
MESSAGES = [{"role": "user", "content": "你好，介绍一下 FastGPT"}]
REQ = {"chatId": "bench-chat", "stream": False, "detail": False, "messages": MESSAGES}
REQ_STREAM = {"chatId": "bench-chat", "stream": True, "detail": True, "messages": MESSAGES}


def die(msg):
    print(msg, file=sys.stderr)
    sys.exit(2)


def completion(client, url):
    r = client.post(url, json=REQ)
    r.raise_for_status()
    if "choices" not in r.json():
        die("completion: no choices")


def sse_events(response):
    """Yields (event, parsed data) per SSE frame, as an SDK's stream iterator does."""
    event, data = None, []
    for line in response.iter_lines():
        if line == "":
            if data:
                payload = "\n".join(data)
                yield event or "message", (payload if payload == "[DONE]" else json.loads(payload))
            event, data = None, []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())
    if data:
        payload = "\n".join(data)
        yield event or "message", (payload if payload == "[DONE]" else json.loads(payload))


def main():
    if len(sys.argv) < 4:
        die(__doc__)
    mode, base = sys.argv[1], sys.argv[2]
    url = base + "/api/v1/chat/completions"
    client = httpx.Client(headers={"Authorization": f"Bearer {API_KEY}",
                                   "Accept": "application/json, text/event-stream"},
                          timeout=httpx.Timeout(60.0))
    if mode == "seq":
        n = int(sys.argv[3])
        t0 = time.perf_counter()
        for _ in range(n):
            completion(client, url)
        print(f"result {time.perf_counter() - t0:.6f}")
    elif mode == "threads":
        nt, n = int(sys.argv[3]), int(sys.argv[4])
        barrier = threading.Barrier(nt + 1)

        def work():
            barrier.wait()
            for _ in range(n):
                completion(client, url)

        threads = [threading.Thread(target=work) for _ in range(nt)]
        for t in threads:
            t.start()
        barrier.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        print(f"result {time.perf_counter() - t0:.6f}")
    elif mode == "stream":
        expected = int(sys.argv[3])
        count = 0
        answer = []
        t0 = time.perf_counter()
        with client.stream("POST", url, json=REQ_STREAM) as r:
            r.raise_for_status()
            for event, data in sse_events(r):
                count += 1
                if event == "answer" and isinstance(data, dict):
                    content = data["choices"][0]["delta"].get("content")
                    if isinstance(content, str):
                        answer.append(content)
        dt = time.perf_counter() - t0
        if count != expected:
            die(f"stream: {count} events, expected {expected}")
        print(f"events {count}\nresult {dt:.6f}")
    elif mode == "ttfe":
        runs = int(sys.argv[3])
        ms = []
        for _ in range(runs):
            t0 = time.perf_counter()
            with client.stream("POST", url, json=REQ_STREAM) as r:
                r.raise_for_status()
                for _event in sse_events(r):
                    ms.append((time.perf_counter() - t0) * 1000.0)
                    break
        if len(ms) != runs:
            die("ttfe: a stream had no event")
        print("samples " + " ".join(f"{v:.3f}" for v in ms))
        print(f"result {statistics.median(ms):.3f}")
    else:
        die(__doc__)
    client.close()


if __name__ == "__main__":
    main()
