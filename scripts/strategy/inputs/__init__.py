"""Stage 1: the inputs folder, read and validated into typed records."""

from .loading import Origin, StrategyInputs, load_inputs, load_publication

__all__ = ["Origin", "StrategyInputs", "load_inputs", "load_publication"]
