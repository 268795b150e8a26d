"""Interpretability for trained checkpoints (``lsr analyze``): how much each layer's weights
moved (:mod:`~lsr_dsl.analysis.params`) and which prompt tokens the model reads
(:mod:`~lsr_dsl.analysis.saliency`), with pictures (:mod:`~lsr_dsl.analysis.render`).

Nothing here imports torch at module level; the commands import it when they run.
"""
