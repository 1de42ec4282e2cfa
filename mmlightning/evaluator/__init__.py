"""Metrics and evaluators (``mmengine.evaluator``): lands with the Lightning integration."""
