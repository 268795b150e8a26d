"""A small OpenAI-compatible chat-completions server over a local causal LM, for the HTTP judge's tests.

``behaviour``: ``ok`` (real answers with top log-probabilities), ``text`` (text only, no log-probs),
``error`` (always HTTP 500), ``slow`` (sleeps past any short timeout), ``flaky`` (500 on every
second request, then real answers).
"""
import socket
import threading
import time
from contextlib import contextmanager


def make_app(model_dir, behaviour="ok", delay=2.0):
    import torch
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir).eval()
    app = FastAPI()
    app.state.requests = 0

    @app.post("/v1/chat/completions")
    def chat(body: dict):
        app.state.requests += 1
        if behaviour == "error" or (behaviour == "flaky" and app.state.requests % 2 == 1):
            return JSONResponse({"error": {"message": "model crashed"}}, status_code=500)
        if behaviour == "slow":
            time.sleep(delay)
        prompt = tok.apply_chat_template(body["messages"], tokenize=False, add_generation_prompt=True)
        ids = tok(prompt, return_tensors="pt", add_special_tokens=False)
        with torch.no_grad():
            logits = model(**ids).logits[0, -1].float()
        logp = torch.log_softmax(logits, -1)
        best = int(torch.argmax(logp))
        choice = {"index": 0, "message": {"role": "assistant", "content": tok.decode([best])}, "finish_reason": "length"}
        if body.get("logprobs") and behaviour != "text":
            k = min(int(body.get("top_logprobs", 0)), logp.shape[0])
            vals, idx = torch.topk(logp, k)
            top = [{"token": tok.decode([int(i)]), "logprob": float(v)} for v, i in zip(vals, idx)]
            choice["logprobs"] = {"content": [{"token": tok.decode([best]), "logprob": float(logp[best]), "top_logprobs": top}]}
        elif behaviour == "text":
            choice["message"]["content"] = "YES" if "Dear" in body["messages"][0]["content"] else "No."
        return {"id": "x", "object": "chat.completion", "model": body.get("model", "tiny"), "choices": [choice]}

    return app


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(app):
    """Run ``app`` with uvicorn on 127.0.0.1 in a thread; yields the API root URL."""
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test judge server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
