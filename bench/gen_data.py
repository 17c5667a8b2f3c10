#!/usr/bin/env python3
"""Writes the canned responses served by nginx in the benchmark.

  gen_data.py OUTDIR

OUTDIR/json/api/v1/chat/completions      a non-stream completion (application/json)
OUTDIR/sse200k/api/v1/chat/completions   a detail-mode stream of 200,000 events (~30 MB)
OUTDIR/sse1k/api/v1/chat/completions     the same stream cut to 1,000 events
OUTDIR/expected.json                     the event counts of each stream

Framing follows FastGPT's detail mode (`detail: true`): every frame has an `event:` line:
`event: answer\ndata: {chunk}\n\n` for text chunks, `event: flowNodeStatus` frames
interleaved, then the stop chunk (`finish_reason: "stop"`), then `event: answer\ndata: [DONE]`.
The token texts mix CJK and ASCII and are sized like real LLM tokens (1-4 characters).
"""
import json
import os
import random
import sys

TOKENS = ["你好", "，", "世界", "。", "FastGPT", " is", " a", " knowledge", "-based", " platform",
          "知识库", "问答", "系统", "基于", " LLM", " 大", "模型", "的", " RAG", "检索",
          " hello", " world", "！", "\\", "\"quoted\"", " 😀", "\n", " the", "工作流", " API"]
NODES = ["AI 对话", "知识库搜索", "HTTP 请求", "问题分类", "文本拼接"]


def chunk(content, finish=None):
    # Same member order and spacing as FastGPT (JSON.stringify: no spaces).
    delta = {"role": "assistant", "content": content}
    return json.dumps({"id": "", "object": "", "created": 0, "model": "",
                       "choices": [{"delta": delta, "index": 0, "finish_reason": finish}]},
                      ensure_ascii=False, separators=(",", ":"))


def frame(event, data):
    return f"event: {event}\ndata: {data}\n\n"


def stream(total_events, seed=1):
    """total_events frames in all, the stop chunk and [DONE] included."""
    rng = random.Random(seed)
    out = []
    answer = []
    n_text = 0
    n_status = 0
    body_events = total_events - 2
    for i in range(body_events):
        if i % 50 == 0:
            out.append(frame("flowNodeStatus", json.dumps(
                {"status": "running", "name": NODES[(i // 50) % len(NODES)]},
                ensure_ascii=False, separators=(",", ":"))))
            n_status += 1
        else:
            tok = rng.choice(TOKENS)
            answer.append(tok)
            out.append(frame("answer", chunk(tok)))
            n_text += 1
    out.append(frame("answer", chunk(None, "stop")))
    out.append(frame("answer", "[DONE]"))
    return "".join(out), {"events": total_events, "text_events": n_text,
                          "status_events": n_status, "answer_chars": len("".join(answer))}


COMPLETION = {
    "id": "bench-chat",
    "model": "",
    "usage": {"prompt_tokens": 12, "completion_tokens": 48, "total_tokens": 60},
    "choices": [{"message": {"role": "assistant", "content":
        "你好！FastGPT 是一个基于 LLM 大语言模型的知识库问答系统，提供开箱即用的数据处理、"
        "模型调用等能力。It also supports visual workflow orchestration for complex "
        "question-answering scenarios."}, "finish_reason": "stop", "index": 0}],
}


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data.encode("utf-8"))


def main():
    out = sys.argv[1]
    write(os.path.join(out, "json/api/v1/chat/completions"),
          json.dumps(COMPLETION, ensure_ascii=False, separators=(",", ":")))
    expected = {}
    for name, n in (("sse200k", 200_000), ("sse1k", 1_000)):
        body, info = stream(n)
        write(os.path.join(out, name, "api/v1/chat/completions"), body)
        info["bytes"] = len(body.encode("utf-8"))
        expected[name] = info
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f)
    print(json.dumps(expected))


if __name__ == "__main__":
    main()
