"""Text of prompts and completions as trainers pass them: plain strings, chat messages, content parts."""
from __future__ import annotations

from typing import Any, Mapping, Optional


def _content_text(content: Any) -> str:
    """Text of a message ``content``: a string, or a list of parts (``{"type": "text", "text": ...}``)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, Mapping):
        if "text" in content:
            return _content_text(content["text"])
        if "content" in content:
            return _content_text(content["content"])
        return ""
    if isinstance(content, (list, tuple)):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, Mapping) and part.get("type", "text") == "text":
                parts.append(_content_text(part.get("text", part.get("content"))))
        return "".join(parts)
    return str(content)


def completion_text(completion: Any) -> str:
    """The response text of one completion, in TRL's plain or conversational format.

    * ``"text"`` → ``"text"``
    * ``[{"role": "assistant", "content": "text"}]`` → ``"text"`` (all assistant
      messages joined with a newline; if there is none, every message's content)
    * ``{"content": "text"}`` → ``"text"``
    """
    if completion is None:
        return ""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Mapping):
        return _content_text(completion.get("content", completion.get("text")))
    if isinstance(completion, (list, tuple)):
        msgs = [m for m in completion if isinstance(m, Mapping)]
        if not msgs:
            return "".join(x for x in completion if isinstance(x, str))
        assistant = [m for m in msgs if m.get("role", "assistant") == "assistant"]
        chosen = assistant or msgs
        return "\n".join(_content_text(m.get("content")) for m in chosen)
    return str(completion)


def prompt_text(prompt: Any) -> Optional[str]:
    """The prompt text handed to the verifier (for ``IF prompt …`` conditions).

    A plain string is returned as is.  For a conversation, the user messages'
    contents are joined with newlines (falling back to every message when there
    is no user message).
    """
    if prompt is None:
        return None
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, Mapping):
        return _content_text(prompt.get("content", prompt.get("text")))
    if isinstance(prompt, (list, tuple)):
        msgs = [m for m in prompt if isinstance(m, Mapping)]
        if not msgs:
            return "".join(x for x in prompt if isinstance(x, str))
        users = [m for m in msgs if m.get("role") == "user"]
        chosen = users or msgs
        return "\n".join(_content_text(m.get("content")) for m in chosen)
    return str(prompt)
